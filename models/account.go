package models

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Account is a tenant: every other row belongs to exactly one account.
type Account struct {
	ID        uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	Name      string
	CreatedAt time.Time
}

// User signs in to the browser UI of one account.
type User struct {
	ID           uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID    uuid.UUID `gorm:"type:uuid"`
	Email        string
	PasswordHash string
	CreatedAt    time.Time
	LastLoginAt  *time.Time
	// Operator users see the job dashboard of the whole installation.
	Operator bool
}

// CreateAccountTx creates an account and its first user inside tx.
func CreateAccountTx(ctx context.Context, tx *gorm.DB, name, email, passwordHash string) (*Account, *User, error) {
	account := &Account{Name: name}
	if err := tx.WithContext(ctx).Create(account).Error; err != nil {
		return nil, nil, notFound("creating account", err)
	}
	user := &User{AccountID: account.ID, Email: email, PasswordHash: passwordHash}
	if err := tx.WithContext(ctx).Create(user).Error; err != nil {
		return nil, nil, notFound("creating user", err)
	}
	return account, user, nil
}

// UserByEmail finds a user by email, case-insensitively. It is the one
// lookup not scoped to an account: signing in is how the account is found.
func UserByEmail(ctx context.Context, db *gorm.DB, email string) (*User, error) {
	var u User
	err := db.WithContext(ctx).Where("lower(email) = lower(?)", email).Take(&u).Error
	if err != nil {
		return nil, notFound("loading user by email", err)
	}
	return &u, nil
}

// TouchLogin records a successful sign-in.
func TouchLogin(ctx context.Context, db *gorm.DB, accountID, userID uuid.UUID) error {
	err := db.WithContext(ctx).Model(&User{}).
		Where("account_id = ? AND id = ?", accountID, userID).
		Update("last_login_at", gorm.Expr("now()")).Error
	if err != nil {
		return notFound("recording login", err)
	}
	return nil
}

// SetOperator grants (or revokes) the operator role of the user with email.
// Like UserByEmail it is not scoped to an account: only the command line
// calls it, on behalf of whoever runs the installation.
func SetOperator(ctx context.Context, db *gorm.DB, email string, operator bool) error {
	res := db.WithContext(ctx).Model(&User{}).Where("lower(email) = lower(?)", email).Update("operator", operator)
	if res.Error != nil {
		return notFound("setting operator", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("setting operator", gorm.ErrRecordNotFound)
	}
	return nil
}

// IsOperator reports whether the user of the account holds the operator role.
func IsOperator(ctx context.Context, db *gorm.DB, accountID, userID uuid.UUID) (bool, error) {
	var operator bool
	err := db.WithContext(ctx).Model(&User{}).Select("operator").
		Where("account_id = ? AND id = ?", accountID, userID).Scan(&operator).Error
	if err != nil {
		return false, fmt.Errorf("checking operator: %w", err)
	}
	return operator, nil
}
