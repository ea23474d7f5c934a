// Package compat checks Gatehouse against real Directus clients.
package compat

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// sdkDir holds package.json, package-lock.json (the pinned @directus/sdk)
// and smoke.mjs; node_modules/ there is ignored by git.
const sdkDir = "directus-sdk"

// need finds a command or skips the test (fails it under CI=true).
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; the Node.js compatibility tests (@directus/sdk, graphql-http) need Node.js 18+ and npm", name)
	}
	t.Skipf("%s is not installed: skipping a Node.js compatibility test (it fails instead under CI=true)", name)
	return ""
}

// installSDK runs `npm ci` in dir unless node_modules already has the
// version of @directus/sdk that package.json pins.
func installSDK(t *testing.T, npm, dir string) {
	t.Helper()
	var want struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	readJSON(t, filepath.Join(dir, "package.json"), &want)
	pinned := want.Dependencies["@directus/sdk"]
	if pinned == "" {
		t.Fatal("package.json does not depend on @directus/sdk")
	}
	var have struct {
		Version string `json:"version"`
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "@directus", "sdk", "package.json")); err == nil &&
		json.Unmarshal(raw, &have) == nil && have.Version == pinned {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Env = append(os.Environ(), "NO_UPDATE_NOTIFIER=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm ci --prefix %s: %v\n%s", dir, err, out)
	}
	t.Logf("installed @directus/sdk %s with npm ci (%s)", pinned, strings.TrimSpace(string(out)))
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestDirectusSDK drives login → readMe → refresh → readMe →
// passwordRequest → logout through the real @directus/sdk, in json and
// session modes, against a real Gatehouse on SQLite.
func TestDirectusSDK(t *testing.T) {
	node := need(t, "node")
	npm := need(t, "npm")
	dir, err := filepath.Abs(sdkDir)
	if err != nil {
		t.Fatal(err)
	}
	installSDK(t, npm, dir)

	s := apptest.New(t, "sqlite3", "PASSWORD_RESET_STALL_TIME=1ms")
	for _, mode := range []string{"json", "session"} {
		t.Run(mode, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, node, "smoke.mjs", mode)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(),
				"BASE_URL="+s.URL,
				"EMAIL="+apptest.AdminEmail,
				"PASSWORD="+apptest.AdminPassword,
				"MODE="+mode,
			)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("node smoke.mjs %s: %v\n%s", mode, err, out)
			}
			if !strings.Contains(string(out), "PASS") {
				t.Fatalf("node smoke.mjs %s exited 0 without PASS:\n%s", mode, out)
			}
			t.Logf("%s", out)
		})
	}
}
