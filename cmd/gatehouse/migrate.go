package main

import (
	"context"
	"fmt"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store"
)

func (c *runner) migrateCommand() *cobra.Command {
	up := &cobra.Command{Use: "up", Short: "Apply pending migrations (what serve does at start)", Args: noArgs,
		RunE: c.action(c.migrateUp)}
	status := &cobra.Command{Use: "status", Short: "List migrations, applied and pending", Args: noArgs,
		RunE: c.action(c.migrateStatus)}
	var yes bool
	down := &cobra.Command{Use: "down", Short: "Revert the newest applied migration (its data is lost)", Args: noArgs}
	down.Flags().BoolVar(&yes, "yes", false, "revert it; without this, only say which migration it would revert")
	down.RunE = c.action(func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, _ []string) error {
		return c.migrateDown(cmd.Context(), cfg, yes)
	})
	// Alone, migrate applies, as it always has.
	cmd := &cobra.Command{Use: "migrate", Short: "Apply pending migrations (up), revert the newest (down), or list them (status)",
		Args: noArgs, RunE: c.action(c.migrateUp)}
	cmd.AddCommand(up, down, status)
	return cmd
}

func (c *runner) withStore(ctx context.Context, cfg *config.Config, fn func(*store.Store) error) error {
	so := app.StoreOptions(cfg)
	db, err := store.Open(ctx, so)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(store.NewFor(db, so))
}

func (c *runner) migrateUp(cmd *cobra.Command, cfg *config.Config, _ *slog.Logger, _ []string) error {
	return c.withStore(cmd.Context(), cfg, func(s *store.Store) error {
		applied, err := s.Migrate(cmd.Context())
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(c.stdout, "database is up to date")
		}
		for _, name := range applied {
			fmt.Fprintln(c.stdout, "applied", name)
		}
		return nil
	})
}

func (c *runner) migrateStatus(cmd *cobra.Command, cfg *config.Config, _ *slog.Logger, _ []string) error {
	return c.withStore(cmd.Context(), cfg, func(s *store.Store) error {
		st, err := s.MigrationStatus(cmd.Context())
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "MIGRATION\tSTATE\tAPPLIED AT")
		for _, m := range st {
			state, at := "pending", "-"
			if m.Applied {
				state, at = "applied", m.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", m.Label(), state, at)
		}
		return tw.Flush()
	})
}

func (c *runner) migrateDown(ctx context.Context, cfg *config.Config, yes bool) error {
	return c.withStore(ctx, cfg, func(s *store.Store) error {
		last, err := s.LastApplied(ctx)
		if err != nil {
			return err
		}
		if !yes {
			return fmt.Errorf("migrate down would revert %s, dropping what it holds; run `gatehouse migrate down --yes` to do it", last.Label())
		}
		if err := s.RollbackLast(ctx, last.Name); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "reverted", last.Label())
		return nil
	})
}
