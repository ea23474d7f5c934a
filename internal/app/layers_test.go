package app

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAdaptersDoNotImportStore keeps dependencies pointing inward: the
// transports talk to internal/auth only, never to storage.
func TestAdaptersDoNotImportStore(t *testing.T) {
	const banned = "github.com/gatehouse/gatehouse/internal/store"
	for _, dir := range []string{"../../graph", "../../graph/system", "../rest"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no Go files (%v)", dir, err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				if p, _ := strconv.Unquote(imp.Path.Value); p == banned || strings.HasPrefix(p, banned+"/") {
					t.Errorf("%s imports %s", name, p)
				}
			}
		}
	}
}
