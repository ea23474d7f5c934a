package compat

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/directus"
	"github.com/gatehouse/gatehouse/internal/directus/directustest"
)

// TestDirectusSDKAfterImport: an app holding Directus's tokens (json mode:
// an access and a refresh token; session mode: the session cookie) keeps
// working through the real @directus/sdk once Gatehouse imported Directus.
func TestDirectusSDKAfterImport(t *testing.T) {
	node := need(t, "node")
	npm := need(t, "npm")
	dir, err := filepath.Abs(sdkDir)
	if err != nil {
		t.Fatal(err)
	}
	installSDK(t, npm, dir)
	fdir := directustest.FixtureDir(t)
	var fx struct {
		Secret    string `json:"secret"`
		Databases map[string]struct {
			Sessions []struct {
				Label, Email string
				RefreshToken string         `json:"refresh_token"`
				SessionJWT   string         `json:"session_jwt"`
				AccessClaims map[string]any `json:"access_claims"`
			} `json:"sessions"`
		} `json:"databases"`
	}
	readJSON(t, filepath.Join(fdir, "fixture.json"), &fx)

	s := apptest.New(t, "sqlite3", "DIRECTUS_SECRET="+fx.Secret,
		"DIRECTUS_TOKENS_ACCEPT_UNTIL="+time.Now().UTC().Add(time.Hour).Format(time.RFC3339))
	src, err := directus.Open(context.Background(), filepath.Join(fdir, "directus.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := directus.New(s.App.Store, s.App.Auth, directus.Options{Now: s.Clock.Now, Out: io.Discard}).Import(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	env := map[string][]string{}
	for _, se := range fx.Databases["sqlite"].Sessions {
		switch se.Label {
		case "alice-json-1":
			c := se.AccessClaims
			now := time.Now().Unix()
			c["iat"], c["exp"] = now, now+900 // the recorded one expired: mint a fresh one, as Directus would
			env["json"] = []string{"EMAIL=" + se.Email, "REFRESH_TOKEN=" + se.RefreshToken, "ACCESS_TOKEN=" + hs256(fx.Secret, c)}
		case "alice-session":
			env["session"] = []string{"EMAIL=" + se.Email, "SESSION_JWT=" + se.SessionJWT}
		}
	}
	for _, mode := range []string{"json", "session"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "imported.mjs", mode)
			cmd.Dir = dir
			cmd.Env = append(append(os.Environ(), "BASE_URL="+s.URL), env[mode]...)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "PASS") {
				t.Fatalf("node imported.mjs %s: %v\n%s", mode, err, out)
			}
			t.Logf("%s", out)
		})
	}
}

// hs256 signs claims as Directus does.
func hs256(secret string, claims map[string]any) string {
	enc := base64.RawURLEncoding
	pl, _ := json.Marshal(claims)
	signed := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(pl)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(m.Sum(nil))
}
