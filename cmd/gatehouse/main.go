// Command gatehouse is the Gatehouse authentication server and its
// administration commands; `gatehouse --help` lists them. With no command it
// serves, so `go run ./cmd/gatehouse` starts a server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/httpmw"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runIO(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		var ue *usageError
		if errors.As(err, &ue) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run executes one command line with no standard input.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	return runIO(ctx, args, environ, strings.NewReader(""), stdout, stderr)
}

// runIO executes one command line. The environment is read only by the
// command that runs, so --help works whatever it holds.
func runIO(ctx context.Context, args, environ []string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := &runner{environ: environ, stdin: stdin, stdout: stdout, stderr: stderr}
	root := c.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err != nil && !c.ran {
		// cobra refused the command line before any command ran.
		return &usageError{err: err, path: cmd.CommandPath()}
	}
	return err
}

// usageError is a command line that names no command, or a flag or argument
// a command does not take.
type usageError struct {
	err  error
	path string
}

func (e *usageError) Error() string {
	return fmt.Sprintf("%v\nRun '%s --help' for usage.", e.err, e.path)
}

func (e *usageError) Unwrap() error { return e.err }

// runner is one invocation: where it reads and writes, and what it found.
type runner struct {
	environ        []string
	stdin          io.Reader
	stdout, stderr io.Writer
	ran            bool // a command's own code started (its errors are not usage errors)
}

// action wraps a command's body: it marks the run and loads the configuration.
func (c *runner) action(fn func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		c.ran = true
		cfg, err := config.Load(c.environ)
		if err != nil {
			return err
		}
		return fn(cmd, cfg, newLogger(cfg, c.stderr), args)
	}
}

func (c *runner) rootCommand() *cobra.Command {
	var sf serveFlags
	root := &cobra.Command{
		Use:   "gatehouse",
		Short: "Gatehouse: an authentication API wire-compatible with Directus's auth routes",
		Long: "Gatehouse: an authentication API wire-compatible with Directus's auth routes.\n\n" +
			"With no command, gatehouse serves (as `gatehouse serve`). Settings come from environment variables:\n" +
			"see docs/configuration.md.",
		Version:       versionString(),
		Args:          noArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: c.action(func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, _ []string) error {
			return c.serve(cmd, cfg, log, sf)
		}),
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return err })
	sf.add(root)
	root.AddCommand(c.serveCommand(), c.migrateCommand(), c.usersCommand(), c.sessionsCommand(), keysCommand(c),
		c.importCommand(), c.healthcheckCommand())
	return root
}

// noArgs refuses positional arguments, suggesting a command for a typo.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return errors.New(msg)
}

// group makes cmd a command that only holds subcommands: alone, or with an
// unknown subcommand, it fails with a hint instead of printing help with 0.
func group(cmd *cobra.Command, subs ...*cobra.Command) *cobra.Command {
	cmd.Args = noArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		names := make([]string, 0, len(subs))
		for _, s := range subs {
			names = append(names, s.Name())
		}
		return fmt.Errorf("%q needs a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))
	}
	cmd.AddCommand(subs...)
	return cmd
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	// Redact keeps tokens, passwords and access_token values out of every line.
	if cfg.LogStyle == "json" {
		return slog.New(httpmw.Redact(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(httpmw.Redact(slog.NewTextHandler(w, opts)))
}
