// Package accounts creates accounts with their first user and, on request,
// the starter content a newcomer needs to run a batch in the first minute.
package accounts

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// MinPasswordLength is the shortest password accepted at sign-up.
const MinPasswordLength = 10

// Registration is what a new account starts from.
type Registration struct {
	Name     string
	Email    string
	Password string
	Starter  bool
}

// Validate checks a registration and returns a message per invalid field, or nil.
func (r *Registration) Validate() map[string]string {
	errs := map[string]string{}
	r.Email = strings.TrimSpace(r.Email)
	r.Name = strings.TrimSpace(r.Name)
	if addr, err := mail.ParseAddress(r.Email); err != nil || addr.Address != r.Email || !strings.Contains(r.Email[strings.LastIndex(r.Email, "@")+1:], ".") {
		errs["email"] = "Enter a valid email address, like name@example.com."
	}
	if utf8.RuneCountInString(r.Password) < MinPasswordLength {
		errs["password"] = fmt.Sprintf("Use at least %d characters.", MinPasswordLength)
	} else if len(r.Password) > 72 {
		errs["password"] = "Use at most 72 bytes."
	}
	if utf8.RuneCountInString(r.Name) > 120 {
		errs["account_name"] = "Use at most 120 characters."
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Register creates an account, its first user and, when asked, the starter
// content, all or nothing. A taken email is a models.ValidationError on "email".
func Register(ctx context.Context, db *gorm.DB, store *storage.Store, r Registration) (*models.Account, *models.User, error) {
	if errs := r.Validate(); errs != nil {
		return nil, nil, &models.ValidationError{Fields: errs}
	}
	if r.Name == "" {
		r.Name = r.Email
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), hashCost())
	if err != nil {
		return nil, nil, fmt.Errorf("hashing password: %w", err)
	}
	var samples []storage.Object
	if r.Starter {
		if samples, err = storeSamples(ctx, store); err != nil {
			return nil, nil, err
		}
	}
	var account *models.Account
	var user *models.User
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		account, user, err = models.CreateAccountTx(ctx, tx, r.Name, r.Email, string(hash))
		if err != nil {
			return err
		}
		if r.Starter {
			return seedStarter(ctx, tx, account.ID, samples)
		}
		return nil
	})
	if err != nil {
		for _, o := range samples {
			_ = store.Delete(context.WithoutCancel(ctx), o.Key)
		}
		if errors.Is(err, models.ErrDuplicate) {
			return nil, nil, &models.ValidationError{Fields: map[string]string{"email": "An account with this email already exists. Sign in instead."}}
		}
		return nil, nil, fmt.Errorf("registering %s: %w", r.Email, err)
	}
	return account, user, nil
}

// Authenticate checks an email and password. Any failure is ErrNotFound, so
// callers cannot tell a wrong password from an unknown email.
func Authenticate(ctx context.Context, db *gorm.DB, email, password string) (*models.User, error) {
	user, err := models.UserByEmail(ctx, db, strings.TrimSpace(email))
	if errors.Is(err, models.ErrNotFound) {
		// Spend the same time as a real comparison, so timing does not reveal unknown emails.
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(password)) != nil {
		return nil, fmt.Errorf("checking password: %w", models.ErrNotFound)
	}
	if err := models.TouchLogin(ctx, db, user.AccountID, user.ID); err != nil {
		return nil, err
	}
	return user, nil
}

var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("flowbatch-timing-equaliser"), hashCost())

// hashCost is bcrypt's default cost, or its minimum inside test binaries,
// where hundreds of sign-ups under the race detector would otherwise take minutes.
func hashCost() int {
	if testing.Testing() {
		return bcrypt.MinCost
	}
	return bcrypt.DefaultCost
}

//go:embed samples
var sampleFiles embed.FS

// sampleNames are the starter files, in the order of the starter interfaces.
var sampleNames = []string{"contacts.json", "contacts.csv", "contacts.xml"}

var sampleTypes = map[string]string{
	"contacts.json": "application/json",
	"contacts.csv":  "text/csv",
	"contacts.xml":  "application/xml",
}

func storeSamples(ctx context.Context, store *storage.Store) ([]storage.Object, error) {
	objs := make([]storage.Object, 0, len(sampleNames))
	for _, name := range sampleNames {
		b, err := sampleFiles.ReadFile("samples/" + name)
		if err != nil {
			return nil, fmt.Errorf("reading sample %s: %w", name, err)
		}
		o, err := store.Put(ctx, bytes.NewReader(b), sampleTypes[name])
		if err != nil {
			return nil, fmt.Errorf("storing sample %s: %w", name, err)
		}
		objs = append(objs, o)
	}
	return objs, nil
}

// starterFields map the sample contacts.
var starterFields = models.Fields{
	{Name: "external_id", Source: "external_id", Type: models.TypeString, Required: true},
	{Name: "first_name", Source: "first_name", Type: models.TypeString},
	{Name: "last_name", Source: "last_name", Type: models.TypeString},
	{Name: "email", Source: "email", Type: models.TypeString},
	{Name: "age", Source: "age", Type: models.TypeInteger},
	{Name: "active", Source: "active", Type: models.TypeBoolean},
	{Name: "birthday", Source: "birthday", Type: models.TypeDate},
}

func seedStarter(ctx context.Context, tx *gorm.DB, accountID uuid.UUID, samples []storage.Object) error {
	flow := &models.Flow{AccountID: accountID, Name: "Contacts", Description: "People to keep in touch with; records are matched on external_id.", KeyField: "external_id"}
	if err := models.CreateFlow(ctx, tx, flow); err != nil {
		return err
	}
	interfaces := []models.Interface{
		{Name: "Contacts JSON", Format: models.FormatJSON},
		{Name: "Contacts CSV", Format: models.FormatCSV, CSVDelimiter: models.DelimiterAuto, CSVHeader: true},
		{Name: "Contacts XML", Format: models.FormatXML, RecordElement: "contact"},
	}
	for i := range interfaces {
		in := &interfaces[i]
		in.AccountID = accountID
		in.Description = "Reads contacts.* from the samples folder."
		in.Scopes = models.Scopes{models.ScopeBatch, models.ScopeAPI}
		in.FlowID = &flow.ID
		in.Fields = slices.Clone(starterFields) // Normalize writes to them: concurrent sign-ups share starterFields
		in.Normalize()
		if err := models.CreateInterface(ctx, tx, in); err != nil {
			return err
		}
	}
	for i, name := range sampleNames {
		f := &models.File{
			AccountID: accountID, Folder: "samples", Name: name, Size: samples[i].Size,
			ContentType: sampleTypes[name], SHA256: samples[i].SHA256, StorageKey: samples[i].Key,
		}
		if err := models.CreateFile(ctx, tx, f); err != nil {
			return err
		}
	}
	return nil
}
