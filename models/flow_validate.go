package models

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Normalize trims the flow's text fields.
func (f *Flow) Normalize() {
	f.Name = strings.TrimSpace(f.Name)
	f.Description = strings.TrimSpace(f.Description)
	f.KeyField = strings.TrimSpace(f.KeyField)
}

// Check returns the flow's messages that need no database (lengths,
// formats), after Normalize; nil when there are none.
func (f *Flow) Check() map[string]string {
	errs := map[string]string{}
	if msg := CheckName(f.Name); msg != "" {
		errs["name"] = msg
	}
	if msg := CheckDescription(f.Description); msg != "" {
		errs["description"] = msg
	}
	if f.KeyField != "" && !ValidFieldName(f.KeyField) {
		errs["key_field"] = fieldNameRule
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// ValidateFlow checks a flow about to be created (zero ID) or updated, after
// Normalize: Check's rules, a name unique among the account's live flows, and
// no key field change once the flow holds records. It returns a
// *ValidationError naming each invalid field, or nil. Pages and the API share
// these rules.
func ValidateFlow(ctx context.Context, db *gorm.DB, f *Flow) error {
	errs := f.Check()
	if errs == nil {
		errs = map[string]string{}
	}
	if _, ok := errs["name"]; !ok {
		taken, err := flowNameTaken(ctx, db, f.AccountID, f.ID, f.Name)
		if err != nil {
			return err
		}
		if taken {
			errs["name"] = "Another flow of your account already has this name."
		}
	}
	if _, ok := errs["key_field"]; !ok && f.ID != uuid.Nil {
		msg, err := keyFieldChange(ctx, db, f)
		if err != nil {
			return err
		}
		if msg != "" {
			errs["key_field"] = msg
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

// flowNameTaken reports whether another live flow of the account has the
// name. An archived flow may share a name with a live one, so its own name
// is only checked while it is live.
func flowNameTaken(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID, name string) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Flow{}).
		Where("account_id = ? AND id <> ? AND archived_at IS NULL AND lower(name) = lower(?)", accountID, id, name).
		Where("NOT EXISTS (SELECT 1 FROM flows self WHERE self.id = ? AND self.archived_at IS NOT NULL)", id).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("checking flow name: %w", err)
	}
	return n > 0, nil
}

// keyFieldChange refuses to change the key field of a flow that holds
// records: their keys were taken from the old field, so upserts on the new
// one would silently duplicate them.
func keyFieldChange(ctx context.Context, db *gorm.DB, f *Flow) (string, error) {
	old, err := FlowByID(ctx, db, f.AccountID, f.ID)
	if err != nil {
		return "", err
	}
	if old.KeyField == f.KeyField {
		return "", nil
	}
	var exists bool
	err = db.WithContext(ctx).Raw("SELECT EXISTS (SELECT 1 FROM records WHERE flow_id = ?)", f.ID).Scan(&exists).Error
	if err != nil {
		return "", fmt.Errorf("checking flow records: %w", err)
	}
	if exists {
		return "This flow already holds records keyed on its current key field; create a new flow to use another one.", nil
	}
	return "", nil
}

// SaveFlow validates a flow and creates it (zero ID) or updates its name,
// description and key field. f.AccountID must be set.
func SaveFlow(ctx context.Context, db *gorm.DB, f *Flow) error {
	f.Normalize()
	if err := ValidateFlow(ctx, db, f); err != nil {
		return err
	}
	var err error
	if f.ID == uuid.Nil {
		err = CreateFlow(ctx, db, f)
	} else {
		err = updateFlow(ctx, db, f)
	}
	if errors.Is(err, ErrDuplicate) {
		// Another request took the name between the check and the write.
		return &ValidationError{Fields: map[string]string{"name": "Another flow of your account already has this name."}}
	}
	return err
}

func updateFlow(ctx context.Context, db *gorm.DB, f *Flow) error {
	res := db.WithContext(ctx).Model(&Flow{}).
		Where("account_id = ? AND id = ?", f.AccountID, f.ID).
		Updates(map[string]any{"name": f.Name, "description": f.Description, "key_field": f.KeyField})
	if res.Error != nil {
		return notFound("updating flow", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("updating flow", gorm.ErrRecordNotFound)
	}
	loaded, err := FlowByID(ctx, db, f.AccountID, f.ID)
	if err != nil {
		return err
	}
	*f = *loaded
	return nil
}
