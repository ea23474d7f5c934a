// Package directustest finds the Directus 12.4.0 fixture (shared/ beside the
// repository) for tests in any package.
package directustest

import (
	"os"
	"path/filepath"
	"testing"
)

// FixtureDir is shared/fixtures/directus-12.4.0, found above the working
// directory; DIRECTUS_FIXTURE_DIR overrides it.
func FixtureDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("DIRECTUS_FIXTURE_DIR"); d != "" {
		return d
	}
	wd, _ := os.Getwd()
	for dir := wd; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "fixtures", "directus-12.4.0")
		if _, err := os.Stat(filepath.Join(p, "fixture.json")); err == nil {
			return p
		}
	}
	t.Fatal("the Directus fixture is not found: set DIRECTUS_FIXTURE_DIR to shared/fixtures/directus-12.4.0")
	return ""
}
