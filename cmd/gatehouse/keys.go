package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/token"
)

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
