package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/directus"
)

// importCommand is `gatehouse import directus`: read Directus (read-only) and
// upsert its roles, users, 2FA secrets, static tokens and live sessions.
func (c *runner) importCommand() *cobra.Command {
	var from string
	var dry, newer bool
	d := &cobra.Command{Use: "directus --from URL", Short: "Import roles, users and sessions from a Directus database (read-only; safe to run again)",
		Long: "Import roles, users (passwords, TOTP secrets, static tokens) and live sessions from a Directus 11/12\n" +
			"database, read-only; safe to run again. URL: a Directus PostgreSQL connection string (postgres://…) or\n" +
			"the path of its SQLite file. See docs/migrating-from-directus.md.",
		Args: noArgs}
	d.Flags().StringVar(&from, "from", "", "Directus PostgreSQL connection string or SQLite file (required)")
	d.Flags().BoolVar(&dry, "dry-run", false, "print what would change and every conflict; write nothing")
	d.Flags().BoolVar(&newer, "allow-unknown-version", false, "read a Directus newer than this importer knows")
	_ = d.MarkFlagRequired("from")
	d.RunE = c.action(func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, _ []string) error {
		ctx := cmd.Context()
		if from == "" {
			return &usageError{err: fmt.Errorf("--from must not be empty"), path: cmd.CommandPath()}
		}
		src, err := directus.Open(ctx, from)
		if err != nil {
			return err
		}
		defer src.Close()
		// A dry run does not migrate Gatehouse's database either.
		a, err := app.Open(ctx, cfg, log, app.Options{Migrate: !dry})
		if err != nil {
			return err
		}
		defer a.Close()
		im := directus.New(a.Store, a.Auth, directus.Options{DryRun: dry, AllowNewer: newer, Out: c.stdout, Progress: c.stderr})
		_, err = im.Import(ctx, src)
		return err
	})
	return group(&cobra.Command{Use: "import", Short: "Import users from another system"}, d)
}
