// Package models holds Flowbatch's GORM models and their queries. Every query
// helper takes a context and the account it is scoped to: nothing of one
// account is reachable through another's.
package models

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// ErrNotFound reports a row that does not exist in the caller's account.
var ErrNotFound = errors.New("not found")

// ErrDuplicate reports a row that would break a uniqueness rule (an email or name in use).
var ErrDuplicate = errors.New("already exists")

// notFound turns GORM's record-not-found into ErrNotFound, wrapped with what was looked up.
func notFound(what string, err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("%s: %w", what, ErrDuplicate)
	}
	return fmt.Errorf("%s: %w", what, err)
}
