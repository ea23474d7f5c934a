package directus

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/models"
)

// Sealer is what the importer needs from the auth service: TOTP secrets
// stored exactly as Gatehouse stores its own (internal/auth).
type Sealer interface {
	SealTOTPSecret(userID, plain string) (string, error)
	TOTPSecretIs(userID, stored, plain string) bool
}

// Options tune an import.
type Options struct {
	DryRun     bool             // report, write nothing
	AllowNewer bool             // read a Directus newer than the importer knows
	Now        func() time.Time // nil = time.Now; decides which sessions are live
	Out        io.Writer        // actions (dry run), conflicts, notes and the summary
	Progress   io.Writer        // progress lines for large tables; nil = none
	ChunkSize  int              // rows per write transaction; 0 = 200
}

// Importer imports a Directus snapshot into a Gatehouse store.
type Importer struct {
	store  *store.Store
	sealer Sealer
	o      Options
}

// New builds an importer writing to st.
func New(st *store.Store, sealer Sealer, o Options) *Importer {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.ChunkSize <= 0 {
		o.ChunkSize = 200
	}
	return &Importer{store: st, sealer: sealer, o: o}
}

// Counts tally one kind of row.
type Counts struct{ Created, Updated, Unchanged, Removed, Skipped int }

// Report is an import's outcome (or, in a dry run, its forecast).
type Report struct {
	Version                                    string // Directus's latest migration
	Roles, Users, TOTP, StaticTokens, Sessions Counts
	Conflicts, Notes                           []string
	DryRun                                     bool
}

// Changed reports whether the import wrote (or would write) anything.
func (r *Report) Changed() bool {
	for _, c := range []Counts{r.Roles, r.Users, r.TOTP, r.StaticTokens, r.Sessions} {
		if c.Created+c.Updated+c.Removed > 0 {
			return true
		}
	}
	return false
}

type outcome int

const (
	created outcome = iota
	updated
	unchanged
	removed
	skipped
)

// ghState is what Gatehouse holds before the import.
type ghState struct {
	roles    []models.Role
	users    []models.User
	imported map[string]bool
	sessions []models.ImportedSession
}

// plan is the writes an import decides on, with its report.
type plan struct {
	now      time.Time
	gh       ghState
	rep      *Report
	out      io.Writer
	verbose  bool
	roleOK   map[string]bool // Directus role ids imported (or already there)
	userOK   map[string]bool // Directus user ids imported and active
	roles    []models.Role
	users    []userWrite
	sessions []sessionWrite
	drop     []string // token hashes of imported sessions to end
}

func (pl *plan) conflict(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	pl.rep.Conflicts = append(pl.rep.Conflicts, msg)
	fmt.Fprintln(pl.out, "conflict:", msg)
}

func (pl *plan) note(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	pl.rep.Notes = append(pl.rep.Notes, msg)
	fmt.Fprintln(pl.out, "note:", msg)
}

// action counts a write and, in a dry run, prints it.
func (pl *plan) action(c *Counts, o outcome, format string, a ...any) {
	count(c, o)
	if pl.verbose {
		fmt.Fprintln(pl.out, "would "+fmt.Sprintf(format, a...))
	}
}

func (im *Importer) count(c *Counts, o outcome) { count(c, o) }

func count(c *Counts, o outcome) {
	switch o {
	case created:
		c.Created++
	case updated:
		c.Updated++
	case unchanged:
		c.Unchanged++
	case removed:
		c.Removed++
	case skipped:
		c.Skipped++
	}
}

// progressEvery is how often a large table reports progress.
const progressEvery = 1000

func (im *Importer) progress(table string, i, n int) {
	if im.o.Progress != nil && n > progressEvery && i > 0 && i%progressEvery == 0 {
		fmt.Fprintf(im.o.Progress, "%s: %d/%d\n", table, i, n)
	}
}

// Import reads src and brings Gatehouse in line with it: upserts by id, so
// running it again changes nothing unless Directus changed meanwhile.
func (im *Importer) Import(ctx context.Context, src *Source) (*Report, error) {
	snap, err := src.Read(ctx, im.o.AllowNewer)
	if err != nil {
		return nil, err
	}
	return im.ImportSnapshot(ctx, snap)
}

// ImportSnapshot imports what was read from Directus.
func (im *Importer) ImportSnapshot(ctx context.Context, snap *Snapshot) (*Report, error) {
	pl := &plan{now: im.o.Now().UTC(), rep: &Report{Version: snap.LatestMigration, DryRun: im.o.DryRun}, out: im.o.Out,
		verbose: im.o.DryRun, roleOK: map[string]bool{}, userOK: map[string]bool{}}
	if err := im.loadGatehouse(ctx, &pl.gh); err != nil {
		return nil, err
	}
	for _, r := range pl.gh.roles {
		pl.roleOK[r.ID] = true // a user may keep a role Gatehouse has
	}
	im.planRoles(snap, pl)
	im.planUsers(snap, pl)
	im.planSessions(snap, pl)
	if !im.o.DryRun {
		if err := im.apply(ctx, pl); err != nil {
			return pl.rep, err
		}
	}
	im.summary(pl.rep)
	return pl.rep, nil
}

func (im *Importer) loadGatehouse(ctx context.Context, gh *ghState) error {
	var err error
	if gh.roles, err = im.store.Roles(ctx); err != nil {
		return gatehouseErr(err)
	}
	if gh.users, err = im.store.AllUsers(ctx); err != nil {
		return gatehouseErr(err)
	}
	if gh.imported, err = im.store.ImportedUserIDs(ctx, models.ImportSourceDirectus); err != nil {
		return gatehouseErr(err)
	}
	if gh.sessions, err = im.store.ImportedSessions(ctx); err != nil {
		return gatehouseErr(err)
	}
	return nil
}

func gatehouseErr(err error) error {
	return fmt.Errorf("read the Gatehouse database (run `gatehouse migrate` first if it is not migrated): %w", err)
}

// apply writes the plan: roles, then users, then sessions, in chunks so a
// large import neither holds one huge transaction nor commits every row.
func (im *Importer) apply(ctx context.Context, pl *plan) error {
	if err := chunks(ctx, im, len(pl.roles), "roles", func(tx *store.Store, i int) error {
		return tx.UpsertRole(ctx, &pl.roles[i])
	}); err != nil {
		return fmt.Errorf("import roles: %w", err)
	}
	if err := chunks(ctx, im, len(pl.users), "users", func(tx *store.Store, i int) error {
		w := &pl.users[i]
		if w.tfa != "" && has(w.columns, "tfa_secret") {
			sealed, err := im.sealer.SealTOTPSecret(w.user.ID, w.tfa)
			if err != nil {
				return err
			}
			w.user.TFASecret = &sealed
		}
		return tx.ImportUser(ctx, &w.user, w.columns, models.ImportSourceDirectus, pl.now)
	}); err != nil {
		return fmt.Errorf("import users: %w", err)
	}
	if err := chunks(ctx, im, len(pl.sessions), "sessions", func(tx *store.Store, i int) error {
		return tx.CreateImportedSession(ctx, &pl.sessions[i].sess, &pl.sessions[i].imp)
	}); err != nil {
		return fmt.Errorf("import sessions: %w", err)
	}
	if err := chunks(ctx, im, len(pl.drop), "ended sessions", func(tx *store.Store, i int) error {
		return tx.DeleteImportedSession(ctx, pl.drop[i])
	}); err != nil {
		return fmt.Errorf("end sessions: %w", err)
	}
	return nil
}

func chunks(ctx context.Context, im *Importer, n int, what string, fn func(tx *store.Store, i int) error) error {
	for start := 0; start < n; start += im.o.ChunkSize {
		end := min(start+im.o.ChunkSize, n)
		if err := im.store.InTx(ctx, func(tx *store.Store) error {
			for i := start; i < end; i++ {
				if err := fn(tx, i); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if im.o.Progress != nil && n > progressEvery {
			fmt.Fprintf(im.o.Progress, "writing %s: %d/%d\n", what, end, n)
		}
	}
	return nil
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// summary prints counts per kind.
func (im *Importer) summary(r *Report) {
	w := im.o.Out
	verb := "imported"
	if r.DryRun {
		verb = "dry run (nothing written)"
	}
	fmt.Fprintf(w, "\nDirectus database (latest migration %s): %s\n", r.Version, verb)
	line := func(name string, c Counts) {
		fmt.Fprintf(w, "  %-14s %d created, %d updated, %d unchanged, %d removed, %d skipped\n", name+":",
			c.Created, c.Updated, c.Unchanged, c.Removed, c.Skipped)
	}
	line("roles", r.Roles)
	line("users", r.Users)
	line("totp secrets", r.TOTP)
	line("static tokens", r.StaticTokens)
	line("sessions", r.Sessions)
	fmt.Fprintf(w, "  %-14s %d\n", "conflicts:", len(r.Conflicts))
	switch {
	case !r.Changed():
		fmt.Fprintln(w, "Nothing changed.")
	case r.DryRun:
		fmt.Fprintln(w, "Run again without --dry-run to write these changes.")
	}
	if len(r.Conflicts) > 0 {
		fmt.Fprintln(w, strings.TrimSpace(`
Conflicting rows were left out or changed as listed above; fix them in Directus or Gatehouse and import again.`))
	}
}
