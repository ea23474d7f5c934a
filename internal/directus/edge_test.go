package directus_test

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/directus"
	"github.com/gatehouse/gatehouse/internal/directus/directustest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// sqliteCopy copies the SQLite fixture to a writable file, applies the SQL
// statements, and returns its path.
func sqliteCopy(t *testing.T, stmts ...string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(directustest.FixtureDir(t), "directus.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "directus.sqlite")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	execSQL(t, path, stmts...)
	return path
}

func execSQL(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func readErr(t *testing.T, from string, allowNewer bool) error {
	t.Helper()
	src, err := directus.Open(context.Background(), from)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = src.Read(context.Background(), allowNewer)
	return err
}

func TestImportRefusesWhatItDoesNotKnow(t *testing.T) {
	gatehouse := storetest.Options(t, "sqlite3").Filename
	for name, tc := range map[string]struct {
		from string
		want string
	}{
		"gatehouse database": {gatehouse, "has no directus_migrations table"},
		"not a database":     {"/etc/hostname", "file is not a database"},
		"missing file":       {filepath.Join(t.TempDir(), "nope.sqlite"), "not a readable file"},
		"directus 10": {sqliteCopy(t, "DELETE FROM directus_migrations WHERE version >= '20240806A'"),
			"older than Directus 11"},
		"newer directus": {sqliteCopy(t, "INSERT INTO directus_migrations (version, name, timestamp) VALUES ('20991231A', 'Future', '2099-12-31')"),
			"newer than the newest this importer knows (20260909A, Directus 12.4.0)"},
		"changed table": {sqliteCopy(t, "ALTER TABLE directus_users DROP COLUMN tfa_secret"), `directus_users has no column "tfa_secret"`},
	} {
		t.Run(name, func(t *testing.T) {
			err := readErr(t, tc.from, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	bad := "postgres://postgres:hunter2-secret@127.0.0.1:5432/no_such_directus_db?sslmode=disable"
	if err := readErr(t, bad, false); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("a missing PostgreSQL database: %v", err)
	}
	newer := sqliteCopy(t, "INSERT INTO directus_migrations (version, name, timestamp) VALUES ('20991231A', 'Future', '2099-12-31')")
	if err := readErr(t, newer, true); err != nil {
		t.Fatalf("--allow-unknown-version: %v", err)
	}
	if err := readErr(t, gatehouse, false); !errors.Is(err, directus.ErrNotDirectus) {
		t.Fatalf("not ErrNotDirectus: %v", err)
	}
}

// Without DIRECTUS_SECRET, Directus-signed tokens are refused; imported
// refresh tokens still work (they need no secret).
func TestDirectusTokensOffByDefault(t *testing.T) {
	fx := loadFixture(t)
	db := fx.Databases["sqlite"]
	storetest.Each(t, func(t *testing.T, client string) {
		s := apptest.New(t, client)
		newImporter(t, s, filepath.Join(directustest.FixtureDir(t), "directus.sqlite")).run(false)
		alice := db.userID("alice@example.com")
		tok := directusToken(fx.Secret, map[string]any{"id": alice, "role": nil, "app_access": true, "admin_access": false,
			"exp": s.Clock.Now().Add(time.Hour).Unix(), "iss": "directus"})
		wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(tok)...), http.StatusUnauthorized, "INVALID_CREDENTIALS", "access token")
		for _, se := range db.Sessions {
			switch se.Mode {
			case "session":
				wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer(se.SessionJWT)...), http.StatusUnauthorized, "", se.Label+" bearer")
				r := s.Post("/auth/refresh", map[string]any{"mode": "session"}, "Cookie", "directus_session_token="+se.SessionJWT)
				wantStatus(t, r, http.StatusUnauthorized, "INVALID_CREDENTIALS", se.Label+" session refresh")
			case "json":
				if se.Email == "carol@example.com" { // through GraphQL, Directus's auth_refresh
					r := s.GraphQL("/graphql/system", `mutation($t: String) { auth_refresh(refresh_token: $t, mode: json) { refresh_token } }`,
						map[string]any{"t": se.RefreshToken})
					if tok, _ := r.Field("auth_refresh")["refresh_token"].(string); r.StatusCode != http.StatusOK || tok == "" {
						t.Fatalf("auth_refresh: %d %s", r.StatusCode, r.Body)
					}
					continue
				}
				r := s.Post("/auth/refresh", map[string]any{"refresh_token": se.RefreshToken})
				wantStatus(t, r, http.StatusOK, "", se.Label+" refresh")
			}
		}
	})
}

// An import run again before the switch follows Directus: changed users are
// updated, sessions that ended there end here unless already in use here,
// and a session ended on Gatehouse does not come back.
func TestReimportFollowsDirectus(t *testing.T) {
	fx := loadFixture(t)
	db := fx.Databases["sqlite"]
	storetest.Each(t, func(t *testing.T, client string) {
		path := sqliteCopy(t)
		s := apptest.New(t, client, "ADMIN_EMAIL=gatehouse-admin@example.com")
		im := newImporter(t, s, path)
		if rep, out := im.run(false); rep.Users.Created != 10 || len(rep.Conflicts) != 1 || !strings.Contains(out, `unknown status "inactive-license"; imported as suspended`) {
			t.Fatalf("first import: %+v\n%s", rep, out)
		}
		byLabel := map[string]string{}
		for _, se := range db.Sessions {
			byLabel[se.Label] = se.RefreshToken
		}
		// alice-json-1 is used on Gatehouse; alice-json-2 logs out here.
		r := s.Post("/auth/refresh", map[string]any{"refresh_token": byLabel["alice-json-1"]})
		wantStatus(t, r, http.StatusOK, "", "alice-json-1")
		wantStatus(t, s.Post("/auth/logout", map[string]any{"refresh_token": byLabel["alice-json-2"]}), http.StatusNoContent, "", "logout")

		// Meanwhile in Directus: every session of alice ends, bob's json
		// session refreshes (new token), frank loses his static token,
		// carol's TOTP secret changes and dave is reactivated.
		execSQL(t, path,
			`DELETE FROM directus_sessions WHERE "user" = 'c0000000-0000-4000-8000-000000000001'`,
			`UPDATE directus_sessions SET token = 'bobNEWtokenbobNEWtokenbobNEWtokenbobNEWtokenbobNEWtokenbobNEWtok' WHERE token = '`+byLabel["bob-json"]+`'`,
			`UPDATE directus_users SET token = NULL WHERE email = 'frank@example.com'`,
			`UPDATE directus_users SET tfa_secret = 'JBSWY3DPEHPK3PXP' WHERE email = 'carol@example.com'`,
			`UPDATE directus_users SET status = 'active' WHERE email = 'dave@example.com'`,
		)
		rep, out := im.run(false)
		if rep.Users.Updated != 3 || rep.TOTP.Updated != 1 || rep.StaticTokens.Removed != 1 ||
			rep.Sessions.Created != 1 || rep.Sessions.Removed != 2 || rep.Sessions.Unchanged != 2 {
			t.Fatalf("second import: %+v\n%s", rep, out)
		}
		// alice-json-1 was in use here: its successor lives on. alice's
		// session-mode login and bob's old token were unused here: they
		// ended with Directus's.
		next, _ := r.Data()["refresh_token"].(string)
		wantStatus(t, s.Post("/auth/refresh", map[string]any{"refresh_token": next}), http.StatusOK, "", "alice-json-1's successor")
		wantStatus(t, s.Post("/auth/refresh", map[string]any{"refresh_token": byLabel["alice-session"]}),
			http.StatusUnauthorized, "INVALID_CREDENTIALS", "a session that ended in Directus")
		wantStatus(t, s.Post("/auth/refresh", map[string]any{"refresh_token": byLabel["alice-json-2"]}),
			http.StatusUnauthorized, "INVALID_CREDENTIALS", "a session logged out on Gatehouse")
		wantStatus(t, s.Post("/auth/refresh", map[string]any{"refresh_token": byLabel["bob-json"]}),
			http.StatusUnauthorized, "INVALID_CREDENTIALS", "bob's token rotated in Directus")
		wantStatus(t, s.Post("/auth/refresh", map[string]any{"refresh_token": "bobNEWtokenbobNEWtokenbobNEWtokenbobNEWtokenbobNEWtokenbobNEWtok"}),
			http.StatusOK, "", "bob's new Directus token")
		wantStatus(t, s.Do(http.MethodGet, "/users/me", nil, bearer("frank-static-token-7Qm2xV9pL4sK8dR3")...),
			http.StatusUnauthorized, "", "frank's removed static token")
		if rep, out := im.run(false); rep.Changed() {
			t.Fatalf("third import: %+v\n%s", rep, out)
		}
	})
}
