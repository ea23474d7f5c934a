package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/directus/directustest"
)

func TestImportDirectusCommand(t *testing.T) {
	e := append(env(t), "SECRET=cli-import-secret-0123456789-0123456789")
	from := filepath.Join(directustest.FixtureDir(t), "directus.sqlite")
	cli(t, e, "migrate")
	dry := cli(t, e, "import", "directus", "--from", from, "--dry-run")
	if !strings.Contains(dry, "would create user c0000000-0000-4000-8000-000000000001 (alice@example.com)") ||
		!strings.Contains(dry, "dry run (nothing written)") {
		t.Fatalf("dry run: %s", dry)
	}
	first := cli(t, e, "import", "directus", "--from", from)
	if !strings.Contains(first, "users:         10 created") || !strings.Contains(first, "sessions:      6 created") {
		t.Fatalf("import: %s", first)
	}
	if again := cli(t, e, "import", "directus", "--from", from); !strings.Contains(again, "Nothing changed.") {
		t.Fatalf("second import: %s", again)
	}
	for _, args := range [][]string{
		{"import", "directus", "--from", filepath.Join(t.TempDir(), "g.db")},                              // not a readable file
		{"import", "directus", "--from", filepath.Join(filepath.Dir(e[0][len("DB_FILENAME="):]), "g.db")}, // Gatehouse's own
		{"import", "directus"},
		{"import", "strapi", "--from", from},
	} {
		if err := run(context.Background(), args, e, io.Discard, io.Discard); err == nil {
			t.Fatalf("%v: no error", args)
		}
	}
}
