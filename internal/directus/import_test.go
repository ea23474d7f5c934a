package directus_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/directus"
	"github.com/gatehouse/gatehouse/internal/directus/directustest"
	"github.com/gatehouse/gatehouse/internal/mail/mailtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/models"
)

// eachSource runs fn for both fixture files (the SQLite file read in place,
// the PostgreSQL dump loaded with psql) against both Gatehouse databases.
func eachSource(t *testing.T, fn func(t *testing.T, db database, from string, client string)) {
	fx := loadFixture(t)
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run("from_"+name, func(t *testing.T) {
			from := filepath.Join(directustest.FixtureDir(t), "directus.sqlite")
			if name == "postgres" {
				from = pgFixtureURL(t)
			}
			storetest.Each(t, func(t *testing.T, client string) { fn(t, fx.Databases[name], from, client) })
		})
	}
}

// importer runs imports into s from one source.
type importer struct {
	t   *testing.T
	s   *apptest.Server
	src *directus.Source
}

func newImporter(t *testing.T, s *apptest.Server, from string) *importer {
	t.Helper()
	src, err := directus.Open(context.Background(), from)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return &importer{t: t, s: s, src: src}
}

func (im *importer) run(dry bool) (*directus.Report, string) {
	im.t.Helper()
	var out bytes.Buffer
	rep, err := directus.New(im.s.App.Store, im.s.App.Auth,
		directus.Options{DryRun: dry, Now: im.s.Clock.Now, Out: &out}).Import(context.Background(), im.src)
	if err != nil {
		im.t.Fatalf("import (dry run %t): %v\n%s", dry, err, out.String())
	}
	return rep, out.String()
}

// fingerprint is every row an import may touch, for "changes nothing".
func fingerprint(t *testing.T, s *apptest.Server) string {
	t.Helper()
	ctx := context.Background()
	var users []models.User
	var roles []models.Role
	var sessions []models.Session
	var imported []models.ImportedSession
	var marks []models.ImportedUser
	db := s.App.DB
	for _, q := range []error{
		db.NewSelect().Model(&users).Order("id").Scan(ctx),
		db.NewSelect().Model(&roles).Order("id").Scan(ctx),
		db.NewSelect().Model(&sessions).Order("id").Scan(ctx),
		db.NewSelect().Model(&imported).Order("token_hash").Scan(ctx),
		db.NewSelect().Model(&marks).Order("user_id").Scan(ctx),
	} {
		if q != nil {
			t.Fatal(q)
		}
	}
	b, _ := json.Marshal([]any{users, roles, sessions, imported, marks})
	return string(b)
}

func wantStatus(t *testing.T, r *apptest.Response, status int, code, what string) {
	t.Helper()
	if r.StatusCode != status || (code != "" && r.Code() != code) {
		t.Fatalf("%s: got %d %s, want %d %s", what, r.StatusCode, r.Body, status, code)
	}
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// me reads /users/me with header and returns the user id (or fails).
func me(t *testing.T, s *apptest.Server, what string, header ...string) string {
	t.Helper()
	r := s.Do(http.MethodGet, "/users/me", nil, header...)
	wantStatus(t, r, http.StatusOK, "", what)
	id, _ := r.Data()["id"].(string)
	return id
}

func payload(t *testing.T, jwt string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jwt, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	_ = json.Unmarshal(raw, &c)
	return c
}

func TestImportDirectus(t *testing.T) {
	fx := loadFixture(t)
	eachSource(t, func(t *testing.T, db database, from, client string) {
		sink := mailtest.NewServer(t)
		until := time.Now().UTC().Add(time.Hour).Truncate(time.Second)
		s := apptest.New(t, client, append(sink.Env(), "DIRECTUS_SECRET="+fx.Secret,
			"DIRECTUS_TOKENS_ACCEPT_UNTIL="+until.Format(time.RFC3339))...)
		im := newImporter(t, s, from)

		// A dry run first: it reports every change and conflict, and writes nothing.
		before := fingerprint(t, s)
		rep, out := im.run(true)
		if fingerprint(t, s) != before {
			t.Fatal("a dry run changed the database")
		}
		if !rep.Changed() || rep.Users.Created != 9 || rep.Sessions.Created != 6 {
			t.Fatalf("dry run forecast: %+v\n%s", rep, out)
		}
		for _, want := range []string{
			"would create user c0000000-0000-4000-8000-000000000001 (alice@example.com), status active",
			"would import TOTP secret of user c0000000-0000-4000-8000-000000000003",
			"would import static token of user c0000000-0000-4000-8000-000000000006",
			"conflict: user " + db.userID("admin@example.com") + " (admin@example.com): email taken by Gatehouse user",
			"dry run (nothing written)",
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("dry run output lacks %q:\n%s", want, out)
			}
		}

		// The import. The bootstrap admin of this Gatehouse holds
		// admin@example.com, so Directus's admin is a collision: reported,
		// not merged.
		rep, out = im.run(false)
		want := directus.Report{Version: "20260909A",
			Roles: directus.Counts{Created: 3}, Users: directus.Counts{Created: 9, Skipped: 1},
			TOTP: directus.Counts{Created: 1}, StaticTokens: directus.Counts{Created: 1},
			Sessions: directus.Counts{Created: 6, Skipped: 1}}
		if rep.Version != want.Version || rep.Roles != want.Roles || rep.Users != want.Users || rep.TOTP != want.TOTP ||
			rep.StaticTokens != want.StaticTokens || rep.Sessions != want.Sessions || len(rep.Conflicts) != 1 {
			t.Fatalf("import: %+v\n%s", rep, out)
		}
		if strings.Contains(out, fx.Secret) || strings.Contains(out, "$argon2") || strings.Contains(out, db.Sessions[0].RefreshToken) {
			t.Fatal("the report shows a secret")
		}
		stored := fingerprint(t, s)
		for _, tok := range []string{db.Sessions[0].RefreshToken, "frank-static-token", "KJZE6NTYDVLVKRTM", "HIQHMWRAL42BMS3C"} {
			if strings.Contains(stored, tok) {
				t.Fatalf("a token or TOTP secret is stored in plaintext: %s…", tok[:8])
			}
		}

		// Again: nothing changes, and a dry run agrees.
		rep, out = im.run(false)
		if rep.Changed() || rep.Users.Unchanged != 9 || rep.Sessions.Unchanged != 6 || !strings.Contains(out, "Nothing changed.") {
			t.Fatalf("second import: %+v\n%s", rep, out)
		}
		rep, out = im.run(true)
		if rep.Changed() || fingerprint(t, s) != stored || strings.Contains(out, "would ") {
			t.Fatalf("dry run after the import: %+v\n%s", rep, out)
		}

		checkAccessWindow(t, s, fx, db)
		checkRefreshTokens(t, s, db)
		checkLogins(t, s, db)
		checkInvite(t, s, sink, db)

		// The access-token window closes: the client must refresh.
		s.Clock.Advance(time.Until(until) + time.Minute)
		alice := db.userID("alice@example.com")
		late := directusToken(fx.Secret, map[string]any{"id": alice, "role": db.roleID("Editor"), "app_access": true,
			"admin_access": false, "iat": s.Clock.Now().Unix(), "exp": s.Clock.Now().Add(time.Hour).Unix(), "iss": "directus"})
		wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(late)...), http.StatusUnauthorized, "TOKEN_EXPIRED", "a Directus token after the window")
	})
}

// checkAccessWindow: access tokens Directus signed work for imported,
// active users inside the window.
func checkAccessWindow(t *testing.T, s *apptest.Server, fx *fixture, db database) {
	now := s.Clock.Now()
	mint := func(email, role string, admin bool) string {
		var r any
		if role != "" {
			r = db.roleID(role)
		}
		return directusToken(fx.Secret, map[string]any{"id": db.userID(email), "role": r, "app_access": role != "Viewer",
			"admin_access": admin, "iat": now.Unix(), "exp": now.Add(3 * time.Hour).Unix(), "iss": "directus"})
	}
	alice := mint("alice@example.com", "Editor", false)
	if id := me(t, s, "a Directus access token inside the window", bearer(alice)...); id != db.userID("alice@example.com") {
		t.Fatalf("/users/me is %s", id)
	}
	if r := s.Do(http.MethodGet, "/users/me?access_token="+url.QueryEscape(alice), nil); r.StatusCode != http.StatusOK {
		t.Fatalf("?access_token=: %d %s", r.StatusCode, r.Body)
	}
	wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(mint("dave@example.com", "Viewer", false))...),
		http.StatusUnauthorized, "INVALID_CREDENTIALS", "a suspended user's Directus token")
	forged := directusToken("another-secret-0123456789-0123456789", map[string]any{"id": db.userID("bob@example.com"),
		"role": nil, "app_access": true, "admin_access": true, "exp": now.Add(time.Hour).Unix(), "iss": "directus"})
	wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(forged)...), http.StatusForbidden, "INVALID_TOKEN", "a forged Directus token")
	admin, err := s.App.Store.UserByEmail(context.Background(), apptest.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	native := directusToken(fx.Secret, map[string]any{"id": admin.ID, "role": nil, "app_access": true, "admin_access": true,
		"exp": now.Add(time.Hour).Unix(), "iss": "directus"})
	wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(native)...), http.StatusUnauthorized, "INVALID_CREDENTIALS",
		"a Directus token for a user that was not imported")
	expired := directusToken(fx.Secret, map[string]any{"id": db.userID("alice@example.com"), "role": nil, "app_access": true,
		"admin_access": false, "exp": now.Add(-time.Second).Unix(), "iss": "directus"})
	wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(expired)...), http.StatusUnauthorized, "TOKEN_EXPIRED", "an expired Directus token")
}

// checkRefreshTokens: every recorded refresh token and session JWT works
// once, returns the same successor within the grace period, and revokes the
// session when it comes back after it.
func checkRefreshTokens(t *testing.T, s *apptest.Server, db database) {
	type used struct {
		label, refresh, cookie, jwt, user string
		json                              bool
	}
	var all []used
	for _, se := range db.Sessions {
		uid := db.userID(se.Email)
		switch {
		case se.Mode == "json" && se.Label == "alice-json-2":
			// Cookie mode: the refresh token as directus_refresh_token.
			r := s.Post("/auth/refresh", map[string]any{"mode": "cookie"}, "Cookie", "directus_refresh_token="+se.RefreshToken)
			wantStatus(t, r, http.StatusOK, "", se.Label+" in cookie mode")
			c := r.Cookie("directus_refresh_token")
			if c == nil || c.Value == se.RefreshToken {
				t.Fatalf("%s: no new refresh cookie", se.Label)
			}
			access, _ := r.Data()["access_token"].(string)
			if me(t, s, se.Label+" new access token", bearer(access)...) != uid {
				t.Fatalf("%s: wrong user", se.Label)
			}
			all = append(all, used{label: se.Label, refresh: se.RefreshToken, cookie: c.Value, user: uid})
		case se.Mode == "json":
			r := s.Post("/auth/refresh", map[string]any{"refresh_token": se.RefreshToken, "mode": "json"})
			wantStatus(t, r, http.StatusOK, "", se.Label+" refresh")
			next, _ := r.Data()["refresh_token"].(string)
			access, _ := r.Data()["access_token"].(string)
			if next == "" || next == se.RefreshToken || me(t, s, se.Label+" new access token", bearer(access)...) != uid {
				t.Fatalf("%s: refresh gave %s", se.Label, r.Body)
			}
			if c := payload(t, access); se.Email == "bob@example.com" && c["admin_access"] != true {
				t.Fatalf("bob's token lost admin access: %v", c)
			}
			all = append(all, used{label: se.Label, refresh: se.RefreshToken, cookie: next, user: uid, json: true})
		case se.Mode == "session":
			// The Directus session cookie is an access credential as it is…
			if me(t, s, se.Label+" JWT as a bearer", bearer(se.SessionJWT)...) != uid {
				t.Fatalf("%s: wrong user", se.Label)
			}
			if me(t, s, se.Label+" JWT as the session cookie", "Cookie", "directus_session_token="+se.SessionJWT) != uid {
				t.Fatalf("%s: wrong user", se.Label)
			}
			// …and refreshes into a Gatehouse session cookie.
			r := s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+se.SessionJWT)
			wantStatus(t, r, http.StatusOK, "", se.Label+" session refresh")
			c := r.Cookie("directus_session_token")
			if c == nil || c.Value == se.SessionJWT {
				t.Fatalf("%s: no new session cookie: %v", se.Label, r.Header)
			}
			if me(t, s, se.Label+" new session cookie", "Cookie", "directus_session_token="+c.Value) != uid {
				t.Fatalf("%s: wrong user", se.Label)
			}
			all = append(all, used{label: se.Label, jwt: se.SessionJWT, cookie: c.Value, user: uid})
		}
		if se.RefreshedFrom != "" {
			// Rotated out in Directus before the import: never accepted.
			r := s.Post("/auth/refresh", map[string]any{"refresh_token": se.RefreshedFrom, "mode": "json"})
			wantStatus(t, r, http.StatusUnauthorized, "INVALID_CREDENTIALS", se.Label+"'s rotated-out token")
		}
	}
	if len(all) != 6 {
		t.Fatalf("%d sessions exercised, want 6", len(all))
	}
	replay := func(u used) *apptest.Response {
		switch {
		case u.jwt != "":
			return s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+u.jwt)
		case u.json:
			return s.Post("/auth/refresh", map[string]any{"refresh_token": u.refresh, "mode": "json"})
		}
		return s.Post("/auth/refresh", map[string]any{"mode": "cookie"}, "Cookie", "directus_refresh_token="+u.refresh)
	}
	// Within the grace period a replay converges on the same successor.
	for _, u := range all {
		r := replay(u)
		wantStatus(t, r, http.StatusOK, "", u.label+" replayed within the grace period")
		if u.json {
			if next, _ := r.Data()["refresh_token"].(string); next != u.cookie {
				t.Fatalf("%s: a replay within the grace period gave another token", u.label)
			}
		}
	}
	s.Clock.Advance(11 * time.Second) // SESSION_REFRESH_GRACE_PERIOD is 10s
	for _, u := range all {
		wantStatus(t, replay(u), http.StatusUnauthorized, "INVALID_CREDENTIALS", u.label+" replayed after the grace period")
		// The replay revoked the session: the successor is dead too.
		switch {
		case u.jwt != "":
			wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, "Cookie", "directus_session_token="+u.cookie),
				http.StatusUnauthorized, "", u.label+" successor after the replay")
			wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(u.jwt)...),
				http.StatusUnauthorized, "", u.label+" Directus JWT after the replay")
		case u.json:
			wantStatus(t, s.Post("/auth/refresh", map[string]any{"refresh_token": u.cookie, "mode": "json"}),
				http.StatusUnauthorized, "INVALID_CREDENTIALS", u.label+" successor after the replay")
		default:
			wantStatus(t, s.Post("/auth/refresh", map[string]any{"mode": "cookie"}, "Cookie", "directus_refresh_token="+u.cookie),
				http.StatusUnauthorized, "INVALID_CREDENTIALS", u.label+" successor after the replay")
		}
	}
	n, err := s.App.DB.NewSelect().Model((*models.Activity)(nil)).Where("action = ?", models.ActionRefreshReuse).Count(context.Background())
	if err != nil || n != 6 {
		t.Fatalf("%d refresh_reuse audit rows (%v), want 6", n, err)
	}
}

// checkLogins: same passwords (rehashed at the first login), same 2FA, and
// inactive users refused as Directus refuses them.
func checkLogins(t *testing.T, s *apptest.Server, db database) {
	ctx := context.Background()
	for _, u := range db.Users {
		if u.Status != "active" || u.Password == nil {
			continue
		}
		email := u.Email
		if email == "Heidi.Mixed@Example.com" {
			email = "heidi.mixed@example.com" // matched case-insensitively
		}
		body := map[string]any{"email": email, "password": *u.Password}
		if u.TFASecret != nil {
			r := s.Post("/auth/login", body)
			wantStatus(t, r, http.StatusUnauthorized, "INVALID_OTP", u.Email+" without an OTP")
			code, err := totp.GenerateCode(*u.TFASecret, s.Clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			body["otp"] = code
		}
		r := s.Post("/auth/login", body)
		wantStatus(t, r, http.StatusOK, "", u.Email+" logs in with the Directus password")
		access, _ := r.Data()["access_token"].(string)
		if id := me(t, s, u.Email+" /users/me", bearer(access)...); id != u.ID {
			t.Fatalf("%s: /users/me is %s", u.Email, id)
		}
		stored, err := s.App.Store.UserRecord(ctx, u.ID)
		if err != nil || stored.Password == nil || !strings.HasPrefix(*stored.Password, "$argon2id$v=19$m=256,t=1,p=1$") {
			t.Fatalf("%s: the Directus hash was not rehashed at login: %v", u.Email, err)
		}
	}
	for _, email := range []string{"dave@example.com", "grace@example.com"} {
		var pw string
		for _, u := range db.Users {
			if u.Email == email {
				pw = *u.Password
			}
		}
		wantStatus(t, s.Post("/auth/login", map[string]any{"email": email, "password": pw}),
			http.StatusUnauthorized, "INVALID_CREDENTIALS", email+" (not active) with the right password")
	}
	me(t, s, "frank's static token", bearer("frank-static-token-7Qm2xV9pL4sK8dR3")...)
}

// checkInvite: the invited user (no password) accepts a new invite.
func checkInvite(t *testing.T, s *apptest.Server, sink *mailtest.Server, db database) {
	r := s.Post("/users/invite", map[string]any{"email": "erin@example.com", "role": db.roleID("Viewer")}, bearer(apptest.AdminToken)...)
	wantStatus(t, r, http.StatusNoContent, "", "re-inviting erin")
	if _, err := s.App.Outbox.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	msgs := sink.Messages()
	if len(msgs) != 1 || msgs[0].Rcpt[0] != "erin@example.com" {
		t.Fatalf("mails: %+v", msgs)
	}
	link, err := url.Parse(mailtest.Link(t, msgs[0]))
	if err != nil {
		t.Fatal(err)
	}
	r = s.Post("/users/invite/accept", map[string]any{"token": link.Query().Get("token"), "password": "Erin-Chosen-Pass-7"})
	wantStatus(t, r, http.StatusNoContent, "", "erin accepts")
	r = s.Post("/auth/login", map[string]any{"email": "erin@example.com", "password": "Erin-Chosen-Pass-7"})
	wantStatus(t, r, http.StatusOK, "", "erin logs in")
	if id := me(t, s, "erin", bearer(r.Data()["access_token"].(string))...); id != db.userID("erin@example.com") {
		t.Fatalf("erin is %s", id)
	}
}
