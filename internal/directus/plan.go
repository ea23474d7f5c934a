package directus

import (
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/password"
	"github.com/gatehouse/gatehouse/models"
)

// emailKey is the one place the importer applies Gatehouse's email rule.
func emailKey(email string) (string, error) { return auth.NormalizeEmail(email) }

// Gatehouse's statuses; Directus's others (inactive-license, or anything
// custom) become suspended: such users could not log in to Directus either.
var knownStatus = map[string]bool{
	models.StatusActive: true, models.StatusSuspended: true, models.StatusInvited: true,
	models.StatusDraft: true, models.StatusArchived: true, models.StatusUnverified: true,
}

// access computes admin and app access per Directus role: the union of the
// policies attached to the role and to each ancestor; admin implies app.
func access(snap *Snapshot) (roles map[string]Policy, users map[string]Policy) {
	byRole, byUser := map[string][]string{}, map[string][]string{}
	for _, a := range snap.Access {
		switch {
		case a.Role != nil:
			byRole[*a.Role] = append(byRole[*a.Role], a.Policy)
		case a.User != nil:
			byUser[*a.User] = append(byUser[*a.User], a.Policy)
		}
	}
	parent := map[string]*string{}
	for _, r := range snap.Roles {
		parent[r.ID] = r.Parent
	}
	grant := func(p *Policy, ids []string) {
		for _, id := range ids {
			pol := snap.Policies[id]
			p.Admin = p.Admin || pol.Admin
			p.App = p.App || pol.App || pol.Admin
		}
	}
	roles = map[string]Policy{}
	for _, r := range snap.Roles {
		var p Policy
		seen := map[string]bool{}
		for id := &r.ID; id != nil && !seen[*id]; id = parent[*id] {
			seen[*id] = true // a cycle in parent ends here
			grant(&p, byRole[*id])
		}
		roles[r.ID] = p
	}
	users = map[string]Policy{}
	for id, pols := range byUser {
		var p Policy
		grant(&p, pols)
		users[id] = p
	}
	return roles, users
}

// planRoles decides each role's write.
func (im *Importer) planRoles(snap *Snapshot, pl *plan) {
	access, _ := access(snap)
	have := map[string]models.Role{}
	for _, r := range pl.gh.roles {
		have[r.ID] = r
	}
	for _, r := range snap.Roles {
		if uuid.Validate(r.ID) != nil {
			pl.conflict("role %q (%s): the id is not a UUID; not imported", r.Name, r.ID)
			im.count(&pl.rep.Roles, skipped)
			continue
		}
		a := access[r.ID]
		want := models.Role{ID: r.ID, Name: clip(r.Name, 100), Description: r.Description, AdminAccess: a.Admin,
			AppAccess: a.App, CreatedAt: pl.now}
		pl.roleOK[r.ID] = true
		old, ok := have[r.ID]
		switch {
		case !ok:
			pl.roles = append(pl.roles, want)
			pl.action(&pl.rep.Roles, created, "create role %s %q (admin %t, app %t)", r.ID, want.Name, a.Admin, a.App)
		case old.Name != want.Name || !eqStr(old.Description, want.Description) || old.AdminAccess != want.AdminAccess || old.AppAccess != want.AppAccess:
			want.CreatedAt = old.CreatedAt
			pl.roles = append(pl.roles, want)
			pl.action(&pl.rep.Roles, updated, "update role %s %q (admin %t, app %t)", r.ID, want.Name, a.Admin, a.App)
		default:
			im.count(&pl.rep.Roles, unchanged)
		}
	}
}

// userWrite is one user to upsert: the row, the columns that change, and
// the plaintext TOTP secret to seal when tfa_secret is among them.
type userWrite struct {
	user    models.User
	columns []string
	tfa     string
}

var allUserColumns = []string{"first_name", "last_name", "email", "email_lower", "password", "status", "role",
	"token_hash", "tfa_secret", "tfa_last_step", "last_access", "provider", "updated_at"}

// planUsers decides each user's write and reports every conflict.
func (im *Importer) planUsers(snap *Snapshot, pl *plan) {
	roleAccess, userAccess := access(snap)
	byID, byEmail, byToken := map[string]*models.User{}, map[string]*models.User{}, map[string]*models.User{}
	for i := range pl.gh.users {
		u := &pl.gh.users[i]
		byID[u.ID] = u
		if u.EmailLower != nil {
			byEmail[*u.EmailLower] = u
		}
		if u.TokenHash != nil {
			byToken[*u.TokenHash] = u
		}
	}
	seenEmail := map[string]string{}
	for i, du := range snap.Users {
		im.progress("users", i, len(snap.Users))
		label := du.ID
		if du.Email != nil {
			label = fmt.Sprintf("%s (%s)", du.ID, *du.Email)
		}
		if uuid.Validate(du.ID) != nil {
			pl.conflict("user %s: the id is not a UUID; not imported", label)
			im.count(&pl.rep.Users, skipped)
			continue
		}
		old := byID[du.ID]
		if old != nil && !pl.gh.imported[du.ID] {
			pl.conflict("user %s: a Gatehouse user that was not imported has this id; not imported", label)
			im.count(&pl.rep.Users, skipped)
			continue
		}
		var key *string
		if du.Email != nil {
			k, err := emailKey(*du.Email)
			if err != nil {
				pl.conflict("user %s: email has no normal form under Gatehouse's email rule; not imported", label)
				im.count(&pl.rep.Users, skipped)
				continue
			}
			key = &k
			if first, dup := seenEmail[k]; dup {
				pl.conflict("user %s: email is the same as Directus user %s's under Gatehouse's email rule; not imported", label, first)
				im.count(&pl.rep.Users, skipped)
				continue
			}
			seenEmail[k] = du.ID
			if other := byEmail[k]; other != nil && other.ID != du.ID {
				pl.conflict("user %s: email taken by Gatehouse user %s; not imported (not merged)", label, other.ID)
				im.count(&pl.rep.Users, skipped)
				continue
			}
		}
		want := models.User{ID: du.ID, FirstName: clipp(du.FirstName, 50), LastName: clipp(du.LastName, 50),
			Email: du.Email, EmailLower: key, Status: du.Status, Provider: du.Provider, LastAccess: du.LastAccess,
			CreatedAt: pl.now, UpdatedAt: pl.now}
		if want.Provider == "" {
			want.Provider = "default"
		}
		if want.Provider != "default" {
			pl.note("user %s: signs in with %q (SSO), which Gatehouse does not offer; imported, but cannot log in", label, want.Provider)
		}
		if !knownStatus[du.Status] {
			pl.conflict("user %s: unknown status %q; imported as suspended", label, du.Status)
			want.Status = models.StatusSuspended
		}
		if du.RoleID != nil {
			if pl.roleOK[*du.RoleID] {
				want.RoleID = du.RoleID
			} else {
				pl.conflict("user %s: role %s was not imported; imported without a role", label, *du.RoleID)
			}
		}
		var fromRole Policy
		if want.RoleID != nil {
			fromRole = roleAccess[*want.RoleID]
		}
		if ua := userAccess[du.ID]; (ua.Admin && !fromRole.Admin) || (ua.App && !fromRole.App) {
			pl.conflict("user %s: policies attached to the user grant admin %t / app %t beyond the role; Gatehouse has no per-user policies, so that access is not imported",
				label, ua.Admin, ua.App)
		}
		if du.Password != nil && *du.Password != "" {
			if err := password.Check(*du.Password); err != nil {
				pl.conflict("user %s: a password hash Gatehouse cannot verify (%v); imported without a password (the user must reset it)", label, err)
			} else {
				want.Password = du.Password
			}
		}
		if du.Token != nil && *du.Token != "" {
			h := auth.HashStaticToken(*du.Token)
			if other := byToken[h]; other != nil && other.ID != du.ID {
				pl.conflict("user %s: the static token is already Gatehouse user %s's; imported without it", label, other.ID)
			} else {
				want.TokenHash = &h
			}
		}
		w := userWrite{user: want}
		if du.TFASecret != nil && *du.TFASecret != "" {
			w.tfa = *du.TFASecret
		}
		im.diffUser(pl, old, &w, label)
		pl.userOK[du.ID] = want.Status == models.StatusActive
	}
}

// diffUser fills w.columns with what differs from old (all, for a new user)
// and counts users, TOTP secrets and static tokens.
func (im *Importer) diffUser(pl *plan, old *models.User, w *userWrite, label string) {
	u := &w.user
	kind := func(c *Counts, had, has, same bool, what string) {
		switch {
		case !has && !had:
		case !has:
			pl.action(c, removed, "remove %s of user %s", what, label)
		case !had:
			pl.action(c, created, "import %s of user %s", what, label)
		case !same:
			pl.action(c, updated, "update %s of user %s", what, label)
		default:
			im.count(c, unchanged)
		}
	}
	if old == nil {
		w.columns = allUserColumns
		pl.users = append(pl.users, *w)
		pl.action(&pl.rep.Users, created, "create user %s, status %s", label, u.Status)
		kind(&pl.rep.TOTP, false, w.tfa != "", false, "TOTP secret")
		kind(&pl.rep.StaticTokens, false, u.TokenHash != nil, false, "static token")
		return
	}
	u.CreatedAt = old.CreatedAt
	set := func(col string, same bool) {
		if !same {
			w.columns = append(w.columns, col)
		}
	}
	set("first_name", eqStr(old.FirstName, u.FirstName))
	set("last_name", eqStr(old.LastName, u.LastName))
	set("email", eqStr(old.Email, u.Email))
	set("email_lower", eqStr(old.EmailLower, u.EmailLower))
	set("password", eqStr(old.Password, u.Password))
	set("status", old.Status == u.Status)
	set("role", eqStr(old.RoleID, u.RoleID))
	set("provider", old.Provider == u.Provider)
	set("token_hash", eqStr(old.TokenHash, u.TokenHash))
	hadTFA := old.TFASecret != nil && *old.TFASecret != ""
	sameTFA := (!hadTFA && w.tfa == "") || (hadTFA && w.tfa != "" && im.sealer.TOTPSecretIs(old.ID, *old.TFASecret, w.tfa))
	if !sameTFA {
		w.columns = append(w.columns, "tfa_secret", "tfa_last_step")
	}
	// last_access only moves forward: logins on Gatehouse stamp it too.
	if u.LastAccess != nil && (old.LastAccess == nil || u.LastAccess.After(*old.LastAccess)) &&
		(old.LastAccess == nil || !u.LastAccess.Truncate(time.Millisecond).Equal(old.LastAccess.Truncate(time.Millisecond))) {
		w.columns = append(w.columns, "last_access")
	} else {
		u.LastAccess = old.LastAccess
	}
	kind(&pl.rep.TOTP, hadTFA, w.tfa != "", sameTFA, "TOTP secret")
	kind(&pl.rep.StaticTokens, old.TokenHash != nil, u.TokenHash != nil, eqStr(old.TokenHash, u.TokenHash), "static token")
	if len(w.columns) == 0 {
		im.count(&pl.rep.Users, unchanged)
		return
	}
	w.columns = append(w.columns, "updated_at")
	pl.users = append(pl.users, *w)
	pl.action(&pl.rep.Users, updated, "update user %s: %v", label, w.columns[:len(w.columns)-1])
}

// planSessions decides which Directus sessions become Gatehouse sessions,
// and which earlier imports ended in Directus since (and are unused here).
func (im *Importer) planSessions(snap *Snapshot, pl *plan) {
	have := map[string]models.ImportedSession{}
	for _, s := range pl.gh.sessions {
		have[s.TokenHash] = s
	}
	live := map[string]bool{}
	for i, s := range snap.Sessions {
		im.progress("sessions", i, len(snap.Sessions))
		switch {
		case s.User == nil || s.Share != nil || s.OAuthClient != nil:
			im.count(&pl.rep.Sessions, skipped) // share links and OAuth clients are not logins
			continue
		case s.NextToken != nil:
			im.count(&pl.rep.Sessions, skipped) // replaced by a session-mode refresh
			continue
		case !s.Expires.After(pl.now):
			im.count(&pl.rep.Sessions, skipped)
			continue
		case !pl.userOK[*s.User]:
			im.count(&pl.rep.Sessions, skipped) // user not imported, or not active
			continue
		}
		h := auth.ImportedTokenHash(s.Token)
		live[h] = true
		if _, ok := have[h]; ok {
			im.count(&pl.rep.Sessions, unchanged) // imported before (and maybe used or ended here since)
			continue
		}
		sess := models.Session{ID: uuid.NewString(), UserID: *s.User, ExpiresAt: s.Expires.UTC(), CreatedAt: pl.now,
			LastUsedAt: pl.now, IP: clipp(s.IP, 255), UserAgent: clipp(s.UserAgent, 1024), Origin: clipp(s.Origin, 255)}
		imp := models.ImportedSession{TokenHash: h, UserID: *s.User, ExpiresAt: sess.ExpiresAt, ImportedAt: pl.now}
		pl.sessions = append(pl.sessions, sessionWrite{sess: sess, imp: imp})
		pl.action(&pl.rep.Sessions, created, "import a session of user %s, expires %s", *s.User, sess.ExpiresAt.Format(time.RFC3339))
	}
	hashes := make([]string, 0, len(have))
	for h := range have {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes)
	for _, h := range hashes {
		s := have[h]
		if live[h] || s.Session == nil || s.Session.Generation != 0 {
			continue // still in Directus, already ended, or in use on Gatehouse
		}
		pl.drop = append(pl.drop, h)
		pl.action(&pl.rep.Sessions, removed, "end an imported, unused session of user %s: it ended in Directus", s.UserID)
	}
}

type sessionWrite struct {
	sess models.Session
	imp  models.ImportedSession
}

func eqStr(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// clip shortens s to n runes, to fit Gatehouse's column.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func clipp(s *string, n int) *string {
	if s == nil {
		return nil
	}
	c := clip(*s, n)
	return &c
}
