// Command vulndb turns the OSV entries of a golang.org/x/vulndb module
// checkout (data/osv/*.json) into a Go vulnerability database directory in
// the v1 layout that `govulncheck -db file:///DIR` reads offline:
//
//	DIR/ID/<id>.json          each OSV entry, unchanged
//	DIR/index/db.json         {"modified": <newest entry's modified>}
//	DIR/index/modules.json    [{"path", "vulns": [{"id", "modified", "fixed"}]}]
//
// The index follows golang.org/x/vuln@v1.9.0 internal/client (schema.go,
// index.go): "fixed" is the highest SEMVER fix of the module's ranges, or
// empty when the vulnerability was re-introduced after it.
//
//	(cd tools && go run ./vulndb -src VULNDB_MODULE_DIR -version V -out DIR)
//
// scripts/vulncheck.sh downloads the module, runs this and govulncheck.
//
//	govulncheck -format json ./... | (cd tools && go run ./vulndb filter ID...)
//
// drops the named standard-library advisories from govulncheck's findings
// and exits 3 if any called vulnerability remains (filter.go).
//
// It builds into a sibling temporary directory and renames it into place,
// so an interrupted run never leaves a half-written database at DIR.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Affected []struct {
		Module struct { // OSV "package"; for Go, "name" is the module path ("stdlib", "toolchain" for Go itself)
			Path string `json:"name"`
		} `json:"package"`
		Ranges []osvRange `json:"ranges"`
	} `json:"affected"`
}

type osvRange struct {
	Type   string `json:"type"`
	Events []struct {
		Introduced string `json:"introduced,omitempty"`
		Fixed      string `json:"fixed,omitempty"`
	} `json:"events"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "filter" {
		os.Exit(filter(os.Args[2:], os.Stdin, os.Stdout))
	}
	src := flag.String("src", "", "golang.org/x/vulndb module directory (holds data/osv)")
	out := flag.String("out", "", "database directory to create (replaced if it exists)")
	version := flag.String("version", "", "the vulndb pseudo-version; its time stands in for index/db.json's\n"+
		"\"modified\" when the entries carry none (x/vulndb's data/osv leaves them zero)")
	flag.Parse()
	if *src == "" || *out == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: vulndb -src VULNDB_MODULE_DIR -out DB_DIR")
		os.Exit(2)
	}
	var fallback time.Time
	if *version != "" {
		t, err := module.PseudoVersionTime(*version)
		if err != nil {
			fmt.Fprintln(os.Stderr, "vulndb: -version:", err)
			os.Exit(2)
		}
		fallback = t
	}
	n, err := build(*src, *out, fallback)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "vulndb: wrote %d entries to %s\n", n, *out)
}

func build(src, out string, fallback time.Time) (int, error) {
	files, err := filepath.Glob(filepath.Join(src, "data", "osv", "*.json"))
	if err != nil {
		return 0, err
	}
	if len(files) == 0 {
		return 0, fmt.Errorf("no OSV entries under %s", filepath.Join(src, "data", "osv"))
	}
	out = filepath.Clean(out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return 0, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), filepath.Base(out)+".tmp-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp) // a no-op after the rename
	for _, d := range []string{"ID", "index"} {
		if err := os.Mkdir(filepath.Join(tmp, d), 0o755); err != nil {
			return 0, err
		}
	}

	var newest time.Time
	modules := map[string]*moduleMeta{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return 0, err
		}
		var e entry
		if err := json.Unmarshal(raw, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", f, err)
		}
		if e.ID == "" || filepath.Base(f) != e.ID+".json" {
			return 0, fmt.Errorf("%s: file name does not match id %q", f, e.ID)
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", e.ID+".json"), raw, 0o644); err != nil {
			return 0, err
		}
		if e.Modified.After(newest) {
			newest = e.Modified
		}
		for _, a := range e.Affected {
			m := modules[a.Module.Path]
			if m == nil {
				m = &moduleMeta{Path: a.Module.Path, Vulns: []moduleVuln{}}
				modules[a.Module.Path] = m
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: e.Modified, Fixed: nonSupersededFix(a.Ranges)})
		}
	}

	if newest.IsZero() {
		newest = fallback
	}
	list := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		sort.SliceStable(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		list = append(list, m)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	if err := writeJSON(filepath.Join(tmp, "index", "modules.json"), list); err != nil {
		return 0, err
	}
	if err := writeJSON(filepath.Join(tmp, "index", "db.json"), map[string]time.Time{"modified": newest}); err != nil {
		return 0, err
	}

	if err := os.RemoveAll(out); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, out); err != nil {
		return 0, err
	}
	return len(files), nil
}

// nonSupersededFix mirrors x/vuln internal/semver.NonSupersededFix: the
// highest SEMVER "fixed" event, or "" if a later "introduced" re-opens it.
func nonSupersededFix(ranges []osvRange) string {
	var latest string
	for _, r := range ranges {
		if r.Type != "SEMVER" {
			continue
		}
		for _, e := range r.Events {
			if e.Fixed != "" && less(latest, e.Fixed) {
				latest = e.Fixed
			}
		}
		for _, e := range r.Events {
			if e.Introduced != "" && e.Introduced != "0" && less(latest, e.Introduced) {
				latest = ""
				break
			}
		}
	}
	return latest
}

// less compares OSV versions ("1.2.3", "v1.2.3" or "go1.2.3") as semver;
// "" (invalid) sorts first, as in x/mod/semver.
func less(a, b string) bool {
	return semver.Compare(canon(a), canon(b)) < 0
}

func canon(v string) string {
	v = strings.TrimPrefix(strings.TrimPrefix(v, "v"), "go")
	return "v" + v
}

func writeJSON(path string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o644)
}
