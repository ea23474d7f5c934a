package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/auth"
)

// typeRef is an introspected type reference.
type typeRef struct {
	Kind   string   `json:"kind"`
	Name   string   `json:"name"`
	OfType *typeRef `json:"ofType"`
}

func (t *typeRef) named() *typeRef {
	for t.OfType != nil {
		t = t.OfType
	}
	return t
}

// String prints the reference in SDL (String!, [String!]!).
func (t *typeRef) String() string {
	switch t.Kind {
	case "NON_NULL":
		return t.OfType.String() + "!"
	case "LIST":
		return "[" + t.OfType.String() + "]"
	}
	return t.Name
}

func (t *typeRef) isList() bool {
	for ; t != nil; t = t.OfType {
		if t.Kind == "LIST" {
			return true
		}
	}
	return false
}

type inputValue struct {
	Name string   `json:"name"`
	Type *typeRef `json:"type"`
}

type schemaField struct {
	Name string       `json:"name"`
	Args []inputValue `json:"args"`
	Type *typeRef     `json:"type"`
}

type schemaType struct {
	Name        string        `json:"name"`
	Kind        string        `json:"kind"`
	Fields      []schemaField `json:"fields"`
	InputFields []inputValue  `json:"inputFields"`
}

const introspect = `{ __schema { types { name kind
  fields { name type { ...T } args { name type { ...T } } }
  inputFields { name type { ...T } } } } }
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }`

func schemaTypes(t *testing.T, s *apptest.Server, ep string) map[string]schemaType {
	t.Helper()
	r := s.GraphQL(ep, introspect, nil)
	var out struct {
		Data struct {
			Schema struct {
				Types []schemaType `json:"types"`
			} `json:"__schema"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || len(out.Data.Schema.Types) == 0 {
		t.Fatalf("introspection on %s: %v %.300s", ep, err, r.Body)
	}
	types := map[string]schemaType{}
	for _, ty := range out.Data.Schema.Types {
		types[ty.Name] = ty
	}
	return types
}

func isText(t *typeRef) bool {
	n := t.named()
	return n.Kind == "SCALAR" && (n.Name == "String" || n.Name == "ID")
}

// filler is a valid literal for a required argument that is not under test.
func filler(t *typeRef, types map[string]schemaType) string {
	n := t.named()
	var v string
	switch {
	case n.Kind == "INPUT_OBJECT":
		v = "{}"
	case n.Kind == "ENUM":
		v = "json"
	case n.Name == "Boolean":
		v = "false"
	case n.Name == "Int":
		v = "1"
	default:
		v = `"x"`
	}
	if t.isList() {
		v = "[" + v + "]"
	}
	return v
}

// edgeCase is one request: a field with one text argument (or input-object
// member) holding a bad value, sent as a variable.
type edgeCase struct {
	what, query, name string
	varJSON           []byte // the variable's value as raw JSON
}

// edgeCases lists, for every String/ID argument of every Mutation and
// Query field, and every String/ID member of an input-object argument, a
// request carrying bad in it.
func edgeCases(types map[string]schemaType, bad func(field string) []byte) []edgeCase {
	var out []edgeCase
	for _, root := range []string{"Mutation", "Query"} {
		op := strings.ToLower(root)
		for _, f := range types[root].Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			sel := ""
			if k := f.Type.named().Kind; k == "OBJECT" {
				sel = " { __typename }"
			}
			for i, a := range f.Args {
				n := a.Type.named()
				var targets []struct {
					name string
					val  func(raw []byte) []byte
				}
				switch {
				case isText(a.Type):
					targets = append(targets, struct {
						name string
						val  func(raw []byte) []byte
					}{a.Name, func(raw []byte) []byte {
						if a.Type.isList() {
							return append(append([]byte("["), raw...), ']')
						}
						return raw
					}})
				case n.Kind == "INPUT_OBJECT":
					for _, m := range types[n.Name].InputFields {
						if isText(m.Type) {
							targets = append(targets, struct {
								name string
								val  func(raw []byte) []byte
							}{m.Name, func(raw []byte) []byte {
								return append(append([]byte(fmt.Sprintf("{%q:", m.Name)), raw...), '}')
							}})
						}
					}
				}
				for _, tg := range targets {
					var args []string
					for j, o := range f.Args {
						switch {
						case j == i:
							args = append(args, o.Name+": $v")
						case o.Type.Kind == "NON_NULL":
							args = append(args, o.Name+": "+filler(o.Type, types))
						}
					}
					q := fmt.Sprintf("%s($v: %s) { %s(%s)%s }", op, a.Type, f.Name, strings.Join(args, ", "), sel)
					out = append(out, edgeCase{what: f.Name + "." + tg.name, query: q, name: tg.name, varJSON: tg.val(bad(tg.name))})
				}
			}
		}
	}
	return out
}

// post sends a GraphQL request whose variable v is raw JSON bytes.
func post(s *apptest.Server, ep, query string, v []byte, hdr ...string) *apptest.Response {
	q, _ := json.Marshal(query)
	var b bytes.Buffer
	b.WriteString(`{"query":`)
	b.Write(q)
	b.WriteString(`,"variables":{"v":`)
	b.Write(v)
	b.WriteString(`}}`)
	return s.Post(ep, b.Bytes(), hdr...)
}

// Issue 17: every text argument of every GraphQL field, on both endpoints,
// is checked at the edge like REST's: NUL, invalid UTF-8 (raw bytes or a
// lone surrogate, both U+FFFD after decoding) and over-long values get
// INVALID_PAYLOAD naming the argument (HTTP 200, as GraphQL execution
// errors are in Directus), never a 5xx or INTERNAL_SERVER_ERROR. Inline
// literals are checked too.
func TestEdgeRefusesBadArguments(t *testing.T) {
	long := func(f string) string { return strings.Repeat("x", auth.MaxTextLength(f)+1) }
	bads := []struct {
		name string
		json func(field string) []byte
		says string
	}{
		{"NUL", func(string) []byte { return []byte(`"a\u0000b"`) }, "must not contain NUL characters"},
		{"invalid UTF-8", func(string) []byte { return []byte("\"a\xff\xfeb\"") }, "must be valid UTF-8 text"},
		{"lone surrogate", func(string) []byte { return []byte(`"a\udc00b"`) }, "must be valid UTF-8 text"},
		{"over-long", func(f string) []byte { return []byte(`"` + long(f) + `"`) }, "length must be less than or equal to"},
	}
	apptest.Each(t, func(t *testing.T, s *apptest.Server) {
		bearer := []string{"Authorization", "Bearer " + apptest.AdminToken}
		for _, ep := range []string{"/graphql", "/graphql/system"} {
			types := schemaTypes(t, s, ep)
			total := 0
			for _, bad := range bads {
				for _, c := range edgeCases(types, bad.json) {
					total++
					r := post(s, ep, c.query, c.varJSON, bearer...)
					want := fmt.Sprintf("%q %s", c.name, bad.says)
					if code, msg := r.FirstError(); r.StatusCode != 200 || code != "INVALID_PAYLOAD" || !strings.Contains(msg, want) {
						t.Errorf("%s %s %s: got %d %.300s; want INVALID_PAYLOAD %q", ep, c.what, bad.name, r.StatusCode, r.Body, want)
					}
				}
			}
			t.Logf("%s: %d cases", ep, total)
			if total < 40 {
				t.Fatalf("%s: only %d cases: introspection found too few arguments", ep, total)
			}
		}
		// Inline literals: a \u0000 escape and an over-long string.
		for _, c := range []struct{ ep, query, want string }{
			{"/graphql", `mutation { login(email: "a\u0000@b.com", password: "x") { accessToken } }`, `"email" must not contain NUL characters`},
			{"/graphql/system", `mutation { auth_password_request(email: "` + long("email") + `") }`, `"email" length must be less than or equal to 128`},
			{"/graphql/system", `mutation { users_register(email: "a@b.com", password: "p\u0000") }`, `"password" must not contain NUL characters`},
		} {
			r := s.GraphQL(c.ep, c.query, nil)
			if code, msg := r.FirstError(); r.StatusCode != 200 || code != "INVALID_PAYLOAD" || !strings.Contains(msg, c.want) {
				t.Errorf("%s %.80s: got %d %.300s", c.ep, c.query, r.StatusCode, r.Body)
			}
		}
		// Raw invalid bytes in the document itself: refused one way or the other, never a 5xx.
		r := s.Post("/graphql/system", []byte("{\"query\":\"mutation { auth_password_request(email: \\\"a\xff@b.com\\\") }\"}"))
		if code, _ := r.FirstError(); r.StatusCode >= 500 || (code != "INVALID_PAYLOAD" && code != "GRAPHQL_VALIDATION") {
			t.Errorf("raw invalid UTF-8 in the document: %d %s", r.StatusCode, r.Body)
		}
	}, "PUBLIC_REGISTRATION=true")
}
