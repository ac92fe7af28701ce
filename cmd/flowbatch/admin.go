package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/flowbatch/flowbatch/app/accounts"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/db/storage"
	"github.com/flowbatch/flowbatch/models"
)

// admin runs the `flowbatch admin` commands: create-account, create-api-key,
// grant-operator and revoke-operator.
func admin(ctx context.Context, cfg *config.Config, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("admin needs a command (create-account, create-api-key, grant-operator, revoke-operator): %w", errUsage)
	}
	pool, gdb, err := openDatabase(ctx, cfg, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	switch args[0] {
	case "create-account":
		fs := newFlagSet("admin create-account")
		email := fs.String("email", "", "email of the account's first user (required)")
		password := fs.String("password", "", "password of that user (required, at least 10 characters)")
		name := fs.String("name", "", "account name (default: the email)")
		starter := fs.Bool("starter", false, "add the starter flow, interfaces and sample files")
		if err := fs.Parse(args[1:]); err != nil {
			return errUsage
		}
		store, err := storage.Open(ctx, cfg.StorageURL, pool)
		if err != nil {
			return err
		}
		defer store.Close()
		account, _, err := accounts.Register(ctx, gdb, store, accounts.Registration{Name: *name, Email: *email, Password: *password, Starter: *starter})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "Created account %s (%s) with user %s.\n", account.Name, account.ID, *email)
		return nil
	case "create-api-key":
		fs := newFlagSet("admin create-api-key")
		email := fs.String("email", "", "email of the user the key acts for (required)")
		name := fs.String("name", "", "a name to recognise the key by (required)")
		if err := fs.Parse(args[1:]); err != nil {
			return errUsage
		}
		if *email == "" || *name == "" {
			return errors.New("create-api-key needs --email and --name")
		}
		user, err := models.UserByEmail(ctx, gdb, *email)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no user with email %s", *email)
		}
		if err != nil {
			return err
		}
		_, key, err := models.CreateAPIKey(ctx, gdb, user.AccountID, &user.ID, *name)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, key)
		return nil
	case "grant-operator", "revoke-operator":
		fs := newFlagSet("admin " + args[0])
		email := fs.String("email", "", "email of the user (required)")
		if err := fs.Parse(args[1:]); err != nil {
			return errUsage
		}
		if *email == "" {
			return fmt.Errorf("%s needs --email", args[0])
		}
		grant := args[0] == "grant-operator"
		err := models.SetOperator(ctx, gdb, *email, grant)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no user with email %s", *email)
		}
		if err != nil {
			return err
		}
		if grant {
			fmt.Fprintf(out, "%s is now an operator: the job dashboard is at /admin/jobs.\n", *email)
		} else {
			fmt.Fprintf(out, "%s is no longer an operator.\n", *email)
		}
		return nil
	}
	return fmt.Errorf("unknown admin command %q: %w", args[0], errUsage)
}
