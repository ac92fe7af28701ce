package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/db"
)

// errUsage reports a command line that was not understood; usage has been printed.
var errUsage = errors.New("see flowbatch --help")

const usageText = `Flowbatch imports batches of JSON, XML and CSV records into flows.

Usage:
  flowbatch serve [--workers N]       web server and batch workers (--workers 0: web only)
  flowbatch worker [--workers N]      batch workers only, to scale out
  flowbatch migrate                   apply pending database migrations and exit
  flowbatch admin create-account --email E --password P [--name N] [--starter]
  flowbatch admin create-api-key --email E --name N   (prints the key)
  flowbatch admin grant-operator --email E            (job dashboard at /admin/jobs)
  flowbatch admin revoke-operator --email E

serve and worker apply pending migrations at start; several processes may
start at once.

Environment:
`

func usage(w io.Writer) {
	fmt.Fprint(w, usageText)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	for _, v := range config.Vars {
		def := v.Default
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(tw, "  %s\t%s\n  \tdefault: %s\n", v.Name, v.Help, def)
	}
	_ = tw.Flush()
}

// run parses the command line and runs one command until ctx ends.
func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stdout)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	cfg, err := config.Load(nil)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg.LogLevel, cfg.LogFormat)
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, log, args[1:], true)
	case "worker":
		return serve(ctx, cfg, log, args[1:], false)
	case "migrate":
		return migrate(ctx, cfg)
	case "admin":
		return admin(ctx, cfg, args[1:], os.Stdout)
	}
	usage(os.Stderr)
	return fmt.Errorf("unknown command %q: %w", args[0], errUsage)
}

func newLogger(level, format string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// openDatabase connects (creating the database if missing), applies pending
// migrations and returns the pool with its GORM handle.
func openDatabase(ctx context.Context, cfg *config.Config, maxConns int32) (*pgxpool.Pool, *gorm.DB, error) {
	pool, err := db.Connect(ctx, cfg.DatabaseURL, maxConns)
	if err != nil {
		return nil, nil, err
	}
	if err := db.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, nil, err
	}
	gdb, err := db.Gorm(pool)
	if err != nil {
		pool.Close()
		return nil, nil, err
	}
	return pool, gdb, nil
}

func migrate(ctx context.Context, cfg *config.Config) error {
	pool, err := db.Connect(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := db.Migrate(ctx, pool); err != nil {
		return err
	}
	fmt.Println("Database schema is current.")
	return nil
}

// describe turns an error into the one line a person reads before the process exits.
func describe(err error) string {
	if errors.Is(err, db.ErrUnreachable) {
		return "cannot reach PostgreSQL (" + strings.ReplaceAll(err.Error(), "\n", " ") + "). " +
			"Start PostgreSQL, or set DATABASE_URL to a server that answers (see README: Running)."
	}
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	return fs
}
