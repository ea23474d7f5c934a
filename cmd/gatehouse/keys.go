package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/token"
)

// keysCommand wires `gatehouse keys …`: every subcommand and flag of it is
// declared here, the work is in the functions below.
func keysCommand(c *runner) *cobra.Command {
	rotate := &cobra.Command{Use: "rotate", Short: "Stage a next signing key: published now, signing after JWKS_MAX_AGE + KEYS_RELOAD_INTERVAL", Args: noArgs,
		RunE: c.withApp(c.keysRotate)}
	list := &cobra.Command{Use: "list", Short: "List signing keys, their states (next, current, retired, dropped) and when each changes", Args: noArgs,
		RunE: c.withApp(c.keysList)}
	var discard bool
	reset := &cobra.Command{Use: "reset --discard-sealed", Short: "Last resort when SECRET is lost: discard the sealed keys, start a new key set",
		Long: "When the SECRET in use cannot open the signing keys (it differs from the one that sealed them) and that\n" +
			"SECRET is lost, discard the keys and start a new key set sealed with the SECRET in use. Every session,\n" +
			"access and refresh token issued so far stops working (everyone signs in again), queued emails are dropped,\n" +
			"and TOTP secrets sealed with the lost SECRET cannot be checked any more: the users listed sign in with a\n" +
			"recovery code, or an admin turns their 2FA off. Refused while the SECRET in use opens the keys.",
		Args: noArgs}
	reset.Flags().BoolVar(&discard, "discard-sealed", false, "required: confirms that what the lost SECRET sealed is discarded")
	reset.RunE = c.action(func(cmd *cobra.Command, cfg *config.Config, log *slog.Logger, _ []string) error {
		if !discard {
			return &usageError{err: fmt.Errorf("keys reset discards every signing key and session: confirm with --discard-sealed"), path: cmd.CommandPath()}
		}
		return c.keysReset(cmd, cfg, log)
	})
	return group(&cobra.Command{Use: "keys", Short: "Manage signing keys"}, rotate, list, reset)
}

func (c *runner) keysRotate(cmd *cobra.Command, a *app.App) error {
	return rotateKeys(cmd.Context(), a, c.stdout)
}

func (c *runner) keysList(cmd *cobra.Command, a *app.App) error {
	return listKeys(cmd.Context(), a, c.stdout)
}

func (c *runner) keysReset(cmd *cobra.Command, cfg *config.Config, log *slog.Logger) error {
	d, err := app.DiscardSealed(cmd.Context(), cfg, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "discarded %d signing key(s), %d session(s) and %d queued email(s)\n", d.Keys, d.Sessions, d.Messages)
	a, err := app.Open(cmd.Context(), cfg, log, app.Options{Migrate: true}) // makes the new key
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(c.stdout, "new key set sealed with the SECRET whose fingerprint is %s\n", a.SecretFingerprint())
	stuck, err := a.Auth.UnreadableTOTP(cmd.Context())
	if err != nil {
		return err
	}
	if len(stuck) > 0 {
		fmt.Fprintf(c.stdout, "%d user(s) have 2FA sealed with the lost SECRET: they sign in with a recovery code, or an admin turns their 2FA off (PATCH /users/:id {\"tfa_secret\": null}):\n", len(stuck))
		for _, e := range stuck {
			fmt.Fprintln(c.stdout, "  "+e)
		}
	}
	return nil
}

// rotateKeys stages a next key; it signs once every instance and every
// verifier honouring the JWKS max-age has it.
func rotateKeys(ctx context.Context, a *app.App, stdout io.Writer) error {
	k, err := a.Keys.Rotate(ctx)
	if errors.Is(err, token.ErrNextPending) {
		fmt.Fprintf(stdout, "key %s (%s) is already next: it signs from %s; rotate again after that\n",
			k.KID, k.Alg, stamp(k.ActivatesAt))
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "next signing key %s (%s) is published now and signs from %s (JWKS_MAX_AGE + KEYS_RELOAD_INTERVAL); "+
		"the current key retires then and stays published until its tokens expire\n", k.KID, k.Alg, stamp(k.ActivatesAt))
	return nil
}

// listKeys shows each key's state and when it changes.
func listKeys(ctx context.Context, a *app.App, stdout io.Writer) error {
	infos, err := a.Keys.Keys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tSIGNS FROM\tSIGNS UNTIL\tPUBLISHED UNTIL\tNEXT CHANGE")
	for _, k := range infos {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.KID, k.Alg, k.State, stamp(k.CreatedAt), stamp(k.ActivatesAt),
			stampPtr(k.RetiredAt), stampPtr(k.DeleteAfter), nextChange(k))
	}
	return tw.Flush()
}

func nextChange(k token.KeyInfo) string {
	switch {
	case k.State == token.KeyNext:
		return "becomes current " + stamp(k.ActivatesAt)
	case k.State == token.KeyCurrent && k.RetiredAt != nil:
		return "retires " + stamp(*k.RetiredAt)
	case k.State == token.KeyCurrent:
		return "signs until the next rotation"
	case k.State == token.KeyRetired && k.DeleteAfter != nil:
		return "dropped from the JWKS " + stamp(*k.DeleteAfter)
	case k.State == token.KeyDropped:
		return "row deleted at the next rotation"
	}
	return "-"
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func stampPtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(*t)
}
