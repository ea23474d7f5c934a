package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/directus"
)

const importUsage = "usage: gatehouse import directus --from URL [--dry-run] [--allow-unknown-version]\n" +
	"  URL: a Directus PostgreSQL connection string (postgres://…) or the path of its SQLite file"

// importCmd runs `gatehouse import directus`: read Directus (read-only) and
// upsert its roles, users, 2FA secrets, static tokens and live sessions.
func importCmd(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "directus" {
		return errors.New(importUsage)
	}
	fs := flag.NewFlagSet("import directus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "Directus PostgreSQL connection string or SQLite file")
	dry := fs.Bool("dry-run", false, "print what would change and every conflict; write nothing")
	newer := fs.Bool("allow-unknown-version", false, "read a Directus newer than this importer knows")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *from == "" || fs.NArg() > 0 {
		return errors.New(importUsage)
	}
	src, err := directus.Open(ctx, *from)
	if err != nil {
		return err
	}
	defer src.Close()
	// A dry run does not migrate Gatehouse's database either.
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: !*dry})
	if err != nil {
		return err
	}
	defer a.Close()
	im := directus.New(a.Store, a.Auth, directus.Options{DryRun: *dry, AllowNewer: *newer, Out: stdout, Progress: stderr})
	_, err = im.Import(ctx, src)
	return err
}
