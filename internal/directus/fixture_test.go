package directus_test

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gatehouse/gatehouse/internal/directus/directustest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// The Directus 12.4.0 fixture (../shared/fixtures/directus-12.4.0 beside
// the repository): two databases Directus itself wrote, and fixture.json
// with every known value. DIRECTUS_FIXTURE_DIR overrides where it is.

type fixture struct {
	Version   string              `json:"directus_version"`
	Secret    string              `json:"secret"`
	Databases map[string]database `json:"databases"`
}

type database struct {
	Roles []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"roles"`
	Users []struct {
		ID          string  `json:"id"`
		Email       string  `json:"email"`
		Status      string  `json:"status"`
		Role        *string `json:"role"`
		Password    *string `json:"password"`
		TFASecret   *string `json:"tfa_secret"`
		StaticToken *string `json:"static_token"`
	} `json:"users"`
	Sessions []struct {
		Label         string `json:"label"`
		Email         string `json:"email"`
		Mode          string `json:"mode"`
		RefreshToken  string `json:"refresh_token"`
		SessionJWT    string `json:"session_jwt"`
		RefreshedFrom string `json:"refreshed_from"`
	} `json:"sessions"`
}

func (d database) userID(email string) string {
	for _, u := range d.Users {
		if u.Email == email {
			return u.ID
		}
	}
	return ""
}

func (d database) roleID(name string) string {
	for _, r := range d.Roles {
		if r.Name == name {
			return r.ID
		}
	}
	return ""
}

func loadFixture(t testing.TB) *fixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(directustest.FixtureDir(t), "fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func adminURL() string {
	if u := os.Getenv("TEST_PG_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// pgFixtureURL loads directus-pg.sql with psql into a throwaway database,
// dropped when t ends; call it from a top-level test and share the URL with
// its subtests (imports only read it).
func pgFixtureURL(t *testing.T) string {
	t.Helper()
	fail := func(msg string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("the PostgreSQL fixture must load under CI: %s", msg)
		}
		t.Skipf("skipping the PostgreSQL fixture: %s", msg)
	}
	psql, err := exec.LookPath("psql")
	if err != nil {
		fail("psql is not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", adminURL())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		fail("PostgreSQL is not reachable: " + err.Error())
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := "ghdirectus_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, _ := url.Parse(adminURL())
	u.Path = "/" + name
	out, err := exec.CommandContext(ctx, psql, "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", u.String(),
		"-f", filepath.Join(directustest.FixtureDir(t), "directus-pg.sql")).CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v: %s", err, out)
	}
	return u.String()
}

func TestMain(m *testing.M) { storetest.Main(m) }

// directusToken signs claims the way Directus does: HS256 with SECRET.
func directusToken(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	hdr := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	pl, _ := json.Marshal(claims)
	signed := hdr + "." + enc.EncodeToString(pl)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(mac.Sum(nil))
}
