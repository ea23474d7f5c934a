// Command gatehouse is the Gatehouse authentication server.
//
//	gatehouse [serve]                  migrate, bootstrap the admin, serve HTTP
//	gatehouse migrate                  apply pending migrations
//	gatehouse users create --email E --password P [--admin]
//	gatehouse keys rotate|list         manage signing keys
//	gatehouse import directus --from URL [--dry-run]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/httpmw"
	"github.com/gatehouse/gatehouse/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  gatehouse [serve]
  gatehouse migrate
  gatehouse users create --email EMAIL --password PASSWORD [--admin]
  gatehouse keys rotate
  gatehouse keys list
  gatehouse import directus --from URL [--dry-run] [--allow-unknown-version]`

func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(environ)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, stdout)
	case "migrate":
		return migrate(ctx, cfg, stdout)
	case "users":
		return users(ctx, cfg, log, args, stdout)
	case "keys":
		return keys(ctx, cfg, log, args, stdout)
	case "import":
		return importCmd(ctx, cfg, log, args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	// Redact keeps tokens, passwords and access_token values out of every line.
	if strings.EqualFold(cfg.LogStyle, "json") {
		return slog.New(httpmw.Redact(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(httpmw.Redact(slog.NewTextHandler(w, opts)))
}

func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, stdout io.Writer) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		// Hash memory lives outside the Go heap (internal/argon2). A login
		// flood may cost the process 64 MiB beyond it, of which the binary's
		// mapped code takes about 24 MiB: the runtime gets the other 40, so
		// the GC works harder only when a flood's backlog outgrows that.
		debug.SetMemoryLimit(40 << 20)
	}
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	b, err := a.Auth.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword, cfg.AdminToken)
	if err != nil {
		return fmt.Errorf("create the first admin: %w", err)
	}
	if b.Created {
		log.Info("created the first admin", "email", b.Email)
		if b.GeneratedPassword != "" {
			// The one secret ever printed: the operator has no other way to learn it.
			fmt.Fprintf(stdout, "\nFirst admin created.\n  email:    %s\n  password: %s\nStore this password now; it is not shown again.\n\n",
				b.Email, b.GeneratedPassword)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return err
	}
	log.Info("gatehouse is listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"database", cfg.DB.Client, "login", cfg.PublicURL+"/auth/login", "jwks", cfg.PublicURL+"/.well-known/jwks.json")
	err = a.Serve(ctx, ln)
	log.Info("gatehouse stopped")
	return err
}

func migrate(ctx context.Context, cfg *config.Config, stdout io.Writer) error {
	so := app.StoreOptions(cfg)
	db, err := store.Open(ctx, so)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := store.NewFor(db, so).Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(stdout, "applied", name)
	}
	return nil
}

func users(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: gatehouse users create --email EMAIL --password PASSWORD [--admin]")
	}
	fs := flag.NewFlagSet("users create", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email")
	pw := fs.String("password", "", "the user's password")
	admin := fs.Bool("admin", false, "give the user the administrator role")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.Auth.CreateUser(ctx, authNewUser(*email, *pw, *admin))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s (%s)\n", *u.Email, u.ID)
	return nil
}

func keys(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || (args[0] != "rotate" && args[0] != "list") {
		return errors.New("usage: gatehouse keys rotate|list")
	}
	a, err := app.Open(ctx, cfg, log, app.Options{Migrate: true})
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "rotate" {
		return rotateKeys(ctx, a, stdout)
	}
	return listKeys(ctx, a, stdout)
}
