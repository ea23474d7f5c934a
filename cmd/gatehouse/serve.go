package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
)

// serveFlags override HOST and PORT for one run.
type serveFlags struct {
	host *string
	port *int
}

func (f *serveFlags) add(cmd *cobra.Command) {
	f.host = cmd.Flags().String("host", "", "address to listen on (overrides HOST)")
	f.port = cmd.Flags().Int("port", 0, "port to listen on (overrides PORT; 0 picks a free one)")
}

// apply puts the flags that were given over the configuration.
func (f serveFlags) apply(cmd *cobra.Command, cfg *config.Config) error {
	if cmd.Flags().Changed("host") {
		cfg.Host = *f.host
	}
	if cmd.Flags().Changed("port") {
		if *f.port < 0 || *f.port > 65535 {
			return &usageError{err: fmt.Errorf("--port %d is not a TCP port (0 to 65535)", *f.port), path: cmd.CommandPath()}
		}
		cfg.Port = *f.port
	}
	return nil
}

func (c *runner) serveCommand() *cobra.Command {
	var sf serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Migrate the database, create the first admin if none exists, and serve HTTP",
		Args:  noArgs,
	}
	cmd.RunE = c.action(func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, _ []string) error {
		return c.serve(cmd, cfg, log, sf)
	})
	sf.add(cmd)
	return cmd
}

// serve runs the server; cmd is root or serve, whichever holds the flags.
func (c *runner) serve(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, sf serveFlags) error {
	ctx := cmd.Context()
	if err := sf.apply(cmd, cfg); err != nil {
		return err
	}
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
		return fmt.Errorf("create the first admin (ADMIN_EMAIL, ADMIN_PASSWORD): %w", err)
	}
	if b.Created {
		log.Info("created the first admin", "email", b.Email)
		if b.GeneratedPassword != "" {
			// The one secret ever printed: the operator has no other way to learn it.
			fmt.Fprintf(c.stdout, "\nFirst admin created.\n  email:    %s\n  password: %s\nStore this password now; it is not shown again.\n\n",
				b.Email, b.GeneratedPassword)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return err
	}
	log.Info("gatehouse is listening", "addr", ln.Addr().String(), "public_url", cfg.PublicURL,
		"database", cfg.DB.Client, "database_location", cfg.DB.Location(), "data_dir", absPath(cfg.DataDir),
		"seal_fingerprint", a.SecretFingerprint(),
		"login", cfg.PublicURL+"/auth/login", "jwks", cfg.PublicURL+"/.well-known/jwks.json")
	err = a.Serve(ctx, ln)
	log.Info("gatehouse stopped")
	return err
}

// absPath shows where a relative path lands: starting from another directory
// must not silently use another database.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}
