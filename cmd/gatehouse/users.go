package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/config"
)

const passwordHelp = "The password is read from standard input: typed at a prompt (twice, not shown) on a terminal, else its first line\n" +
	"(e.g. `gatehouse users create --email a@example.com < password-file`). Never from the command line, where\n" +
	"ps and shell history would show it."

func (c *runner) usersCommand() *cobra.Command {
	var email, status string
	var admin bool
	create := &cobra.Command{Use: "create --email EMAIL [--admin]", Short: "Create an active user", Long: "Create an active user.\n\n" + passwordHelp, Args: noArgs}
	create.Flags().StringVar(&email, "email", "", "the user's email (required)")
	create.Flags().BoolVar(&admin, "admin", false, "give the user the administrator role")
	_ = create.MarkFlagRequired("email")
	create.RunE = c.withApp(func(cmd *cobra.Command, a *app.App) error {
		pw, err := c.readPassword()
		if err != nil {
			return err
		}
		u, err := a.Auth.CreateUser(cmd.Context(), auth.NewUser{Email: email, Password: pw, Admin: admin})
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "created user %s (%s)\n", *u.Email, u.ID)
		return nil
	})

	list := &cobra.Command{Use: "list", Short: "List users", Args: noArgs}
	list.Flags().StringVar(&status, "status", "", "only users with this status (active, suspended, invited, draft, archived, unverified)")
	list.RunE = c.withApp(func(cmd *cobra.Command, a *app.App) error {
		users, err := a.Auth.OperatorListUsers(cmd.Context(), status)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tSTATUS\tROLE\t2FA\tLAST ACCESS")
		for _, u := range users {
			role, last, tfa := "-", "-", "off"
			if u.Role != nil {
				role = *u.Role
			}
			if u.LastAccess != nil {
				last = u.LastAccess.UTC().Format(time.RFC3339)
			}
			if u.TFAEnabled {
				tfa = "on"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, deref(u.Email), u.Status, role, tfa, last)
		}
		return tw.Flush()
	})

	setPW := &cobra.Command{Use: "set-password --email EMAIL", Short: "Set a user's password and end their sessions",
		Long: "Set a user's password (the password policy applies) and end every session of theirs.\n\n" + passwordHelp, Args: noArgs}
	setPW.Flags().StringVar(&email, "email", "", "the user's email (required)")
	_ = setPW.MarkFlagRequired("email")
	setPW.RunE = c.withApp(func(cmd *cobra.Command, a *app.App) error {
		pw, err := c.readPassword()
		if err != nil {
			return err
		}
		if err := a.Auth.OperatorSetPassword(cmd.Context(), email, pw); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "password set for %s; their sessions ended\n", email)
		return nil
	})

	disable := &cobra.Command{Use: "disable --email EMAIL", Short: "Suspend a user and end their sessions", Args: noArgs}
	disable.Flags().StringVar(&email, "email", "", "the user's email (required)")
	_ = disable.MarkFlagRequired("email")
	disable.RunE = c.withApp(func(cmd *cobra.Command, a *app.App) error {
		if err := a.Auth.OperatorDisable(cmd.Context(), email); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "suspended %s; their sessions ended\n", email)
		return nil
	})
	return group(&cobra.Command{Use: "users", Short: "Create, list, suspend users; set their passwords"}, create, list, setPW, disable)
}

func (c *runner) sessionsCommand() *cobra.Command {
	var user string
	revoke := &cobra.Command{Use: "revoke --user EMAIL", Short: "End every session of a user", Args: noArgs,
		Long: "End every session of a user: refresh tokens, refresh and session cookies stop working at once;\n" +
			"access tokens already issued in json mode live until they expire (ACCESS_TOKEN_TTL)."}
	revoke.Flags().StringVar(&user, "user", "", "the user's email (required)")
	_ = revoke.MarkFlagRequired("user")
	revoke.RunE = c.withApp(func(cmd *cobra.Command, a *app.App) error {
		n, err := a.Auth.OperatorRevokeSessions(cmd.Context(), user)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "revoked %d session(s) of %s\n", n, user)
		return nil
	})
	return group(&cobra.Command{Use: "sessions", Short: "Manage sessions"}, revoke)
}

// withApp runs fn on an opened, migrated App.
func (c *runner) withApp(fn func(cmd *cobra.Command, a *app.App) error) func(*cobra.Command, []string) error {
	return c.action(func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, _ []string) error {
		a, err := app.Open(cmd.Context(), cfg, log, app.Options{Migrate: true})
		if err != nil {
			return err
		}
		defer a.Close()
		return fn(cmd, a)
	})
}

// readPassword reads a password from a terminal prompt (twice, not echoed)
// or, when standard input is not a terminal, from its first line.
func (c *runner) readPassword() (string, error) {
	if f, ok := c.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(c.stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(c.stderr, "Repeat it: ")
		again, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(c.stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(again) {
			return "", errors.New("the two passwords differ")
		}
		return string(first), nil
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input (type it at a prompt, or pipe it: ... < password-file)")
	}
	return pw, nil
}

func deref(s *string) string {
	if s == nil {
		return "-"
	}
	return *s
}
