package config

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md")

const referencePath = "../../docs/configuration.md"

// TestConfigurationReference keeps docs/configuration.md equal to what the
// Config struct says: every variable, its default, its accepted values and
// the comment above its field. `go generate ./internal/config` rewrites it.
func TestConfigurationReference(t *testing.T) {
	want, err := reference()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(referencePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(referencePath)
	if err != nil || string(got) != want {
		t.Fatalf("docs/configuration.md is out of date: run `go generate ./internal/config` (%v)", err)
	}
}

var sections = []struct{ owner, title string }{
	{"Config", "Server, tokens, cookies and accounts"},
	{"DB", "Database"},
	{"Hash", "Password hashing"},
	{"Email", "Email"},
	{"Ops", "Rate limits, Redis, CORS, client IP, metrics, request logs, HTTP server"},
	{"Directus", "Cut-over from Directus"},
}

func reference() (string, error) {
	docs, err := fieldComments()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(referenceIntro)
	all := settings()
	for _, sec := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n| variable | default | accepted | description |\n|---|---|---|---|\n", sec.title)
		for _, s := range all {
			if s.Owner.Name() != sec.owner && !(sec.owner == "Config" && s.Parent != "") {
				continue
			}
			desc := docs[s.Owner.Name()+"."+s.Field]
			if desc == "" {
				return "", fmt.Errorf("%s (%s.%s) has no comment", s.Name, s.Owner.Name(), s.Field)
			}
			if s.Parent != "" {
				desc = strings.TrimSuffix(docs["Config."+s.Parent], ".") + ": " + desc
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", s.Name, cell(defaultText(s)), cell(accepted(s)), cell(desc))
		}
	}
	return b.String(), nil
}

const referenceIntro = `# Configuration reference

<!-- Generated from internal/config by ` + "`go generate ./internal/config`" + `; a test fails when it is out of date. Do not edit. -->

Gatehouse reads these environment variables at start, with Directus's names and defaults where Directus has
them. Every value is checked before anything starts: a value that does not parse or is out of range stops
the start with a message naming the variable and the accepted range.

- **Durations**: ` + "`500ms`, `10s`, `15m`, `7d`" + `; a bare number counts milliseconds, as in Directus
  (` + "`ACCESS_TOKEN_TTL=900`" + ` is 0.9 s, which is refused), except the ` + "`RATE_LIMITER_*_DURATION`" + ` ones, which count seconds.
- **Sizes**: ` + "`1mb`, `512kb`" + `, or a bare number of bytes. **Lists** are comma-separated.
- **Secrets** (marked *secret*) are never printed, and may be given as ` + "`NAME_FILE`" + `, the path of a file holding
  the value (Docker and Kubernetes secrets); a trailing newline is dropped.
- No value may contain control characters.
`

func defaultText(s setting) string {
	switch {
	case s.DocDefault != "":
		return s.DocDefault
	case s.Default != "":
		return "`" + s.Default + "`"
	}
	return "unset"
}

func accepted(s setting) string {
	var a string
	switch s.Type {
	case reflect.TypeFor[Duration]():
		a = "duration"
	case reflect.TypeFor[Seconds]():
		a = "seconds or duration"
	case reflect.TypeFor[ByteSize]():
		a = "size"
	default:
		switch s.Type.Kind() {
		case reflect.Bool, reflect.Pointer:
			a = "`true`/`false`"
		case reflect.Int, reflect.Uint8, reflect.Uint32:
			a = "whole number"
		case reflect.Slice:
			a = "list"
		}
	}
	switch {
	case s.Min != "" && s.Max != "":
		a += fmt.Sprintf(" %s–%s", s.Min, s.Max)
	case s.Min != "":
		a += " ≥ " + s.Min
	case s.Max != "":
		a += " ≤ " + s.Max
	}
	if s.Secret {
		a = strings.TrimSpace(a + "; *secret*, or `" + s.Name + "_FILE`")
		a = strings.TrimPrefix(a, "; ")
	}
	return strings.TrimSpace(a)
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// fieldComments maps "Type.Field" to the comment on that field in this
// package's sources, as one line.
func fieldComments() (map[string]string, error) {
	fset := token.NewFileSet()
	out := map[string]string{}
	entries, err := os.ReadDir(".")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, fld := range st.Fields.List {
				text := fld.Doc.Text()
				if text == "" {
					text = fld.Comment.Text()
				}
				for _, name := range fld.Names {
					out[ts.Name.Name+"."+name.Name] = strings.Join(strings.Fields(text), " ")
				}
			}
			return false
		})
	}
	return out, nil
}
