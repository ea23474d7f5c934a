package playground

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var srcRE = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

// relTo is how the page at path refers to rest (a path under the root).
func relTo(path, rest string) string {
	if d := strings.Count(path, "/") - 1; d > 0 {
		return strings.Repeat("../", d) + rest
	}
	return "./" + rest
}

func TestPage(t *testing.T) {
	h := Handler("/graphql?x=<\"'>", "/graphql/playground/", "Gatehouse <GraphQL>")
	for _, path := range []string{"/graphql", "/", "/anything/else"} {
		res := get(t, h, path, map[string]string{"Accept": "text/html"})
		page := body(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		if got := res.Header.Get("Content-Security-Policy"); got != CSP {
			t.Errorf("CSP = %q", got)
		}
		for _, d := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"} {
			if !strings.Contains(res.Header.Get("Content-Security-Policy"), d) {
				t.Errorf("CSP lacks %q", d)
			}
		}
		if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q", got)
		}
		// No external resources at all.
		for _, bad := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr"} {
			if strings.Contains(page, bad) {
				t.Errorf("page references %q:\n%s", bad, page)
			}
		}
		// No inline script or style: every <script> has a same-origin src, no style attributes.
		// Relative since issue 20, so a proxy's path prefix is kept; resolved, it is /graphql/playground/.
		if strings.Count(page, "<script") != strings.Count(page, `<script defer src="`+relTo(path, "graphql/playground/")) {
			t.Errorf("inline or foreign script in page:\n%s", page)
		}
		if strings.Contains(page, "<style") || strings.Contains(page, "style=") || strings.Contains(page, " on") && regexp.MustCompile(`\son[a-z]+=`).MatchString(page) {
			t.Errorf("inline style or handler in page:\n%s", page)
		}
		// Endpoint and title are escaped.
		if !strings.Contains(page, `data-endpoint="`+relTo(path, "graphql?x=&lt;&#34;&#39;&gt;")+`"`) {
			t.Errorf("endpoint not in an escaped data attribute:\n%s", page)
		}
		if !strings.Contains(page, "<title>Gatehouse &lt;GraphQL&gt;</title>") {
			t.Errorf("title not escaped:\n%s", page)
		}
	}
}

func TestPageMethodAndETag(t *testing.T) {
	h := Handler("/graphql", "/graphql/playground/", "")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	res := get(t, h, "/graphql", nil)
	if !strings.Contains(body(t, res), "<title>GraphQL playground</title>") {
		t.Error("default title missing")
	}
	res2 := get(t, h, "/graphql", map[string]string{"If-None-Match": res.Header.Get("ETag")})
	if res2.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", res2.StatusCode)
	}
}

func TestAssets(t *testing.T) {
	h := Handler("/graphql", "/graphql/playground", "t") // prefix without a trailing slash works too
	page := body(t, get(t, h, "/graphql", nil))
	links := srcRE.FindAllStringSubmatch(page, -1)
	want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
	seen := 0
	for _, m := range links {
		u := m[1]
		if strings.HasPrefix(u, "data:") {
			continue
		}
		ext := u[strings.LastIndexByte(u, '.'):]
		ct, ok := want[ext]
		if !ok {
			t.Fatalf("unexpected link %q", u)
		}
		seen++
		if !regexp.MustCompile(`^\./graphql/playground/graphiql\.[0-9a-f]{16}\.(js|css)$`).MatchString(u) {
			t.Errorf("asset URL %q is not hashed under the prefix, relative to /graphql", u)
		}
		u = strings.TrimPrefix(u, ".")
		res := get(t, h, u, nil)
		b := body(t, res)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != ct {
			t.Errorf("%s: %d %q", u, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", u)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
		if len(b) < 1000 {
			t.Errorf("%s: only %d bytes", u, len(b))
		}
		// gzip when asked, same content.
		zres := get(t, h, u, map[string]string{"Accept-Encoding": "gzip, br"})
		if zres.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: not gzipped", u)
		} else {
			zr, err := gzip.NewReader(zres.Body)
			if err != nil {
				t.Fatal(err)
			}
			unz, _ := io.ReadAll(zr)
			if !bytes.Equal(unz, []byte(b)) {
				t.Errorf("%s: gzip content differs", u)
			}
		}
		if get(t, h, u, map[string]string{"If-None-Match": res.Header.Get("ETag")}).StatusCode != http.StatusNotModified {
			t.Errorf("%s: ETag not honoured", u)
		}
		// The plain name is served too, but revalidated.
		plain := regexp.MustCompile(`\.[0-9a-f]{16}\.`).ReplaceAllString(u, ".")
		pres := get(t, h, plain, nil)
		if pres.StatusCode != http.StatusOK || pres.Header.Get("Cache-Control") != "no-cache" || pres.Header.Get("ETag") != res.Header.Get("ETag") {
			t.Errorf("%s: %d %q %q", plain, pres.StatusCode, pres.Header.Get("Cache-Control"), pres.Header.Get("ETag"))
		}
	}
	if seen != 2 {
		t.Fatalf("page links %d assets, want 2:\n%s", seen, page)
	}
	if res := get(t, h, "/graphql/playground/nope.js", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown asset: %d", res.StatusCode)
	}
}

// loadRE matches the ways a bundle could load code or styles from another origin:
// a string literal holding an absolute http(s) or protocol-relative URL of a CDN
// (unpkg, jsdelivr, cdnjs, cdn.*, googleapis fonts) or any importScripts/import()/
// new Worker with an absolute URL. Mentions inside comments do not count (the build
// drops legal comments anyway, and comments are stripped below before matching).
var cdnRE = regexp.MustCompile(`(?i)["'` + "`" + `](?:https?:)?//(?:[a-z0-9-]+\.)*(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com|cdn\.[a-z0-9.-]+|fonts\.googleapis\.com|fonts\.gstatic\.com|esm\.sh|skypack\.dev)`)

var loadRE = regexp.MustCompile(`(?i)(?:importScripts\s*\(|\bimport\s*\(|new\s+(?:Shared)?Worker\s*\(|\.src\s*=|href\s*=)\s*["'` + "`" + `](?:https?:)?//`)

var commentRE = regexp.MustCompile(`(?s)/\*.*?\*/`)

func TestBundleLoadsNothingExternal(t *testing.T) {
	// The patterns themselves: loads are caught, mentions are not.
	for _, bad := range []string{`importScripts("https://unpkg.com/x.js")`, `e.src="//cdn.jsdelivr.net/npm/monaco"`, `fetch('https://cdn.example.com/a')`, `new Worker("https://x.org/w.js")`} {
		if !cdnRE.MatchString(bad) && !loadRE.MatchString(bad) {
			t.Errorf("pattern misses %s", bad)
		}
	}
	for _, ok := range []string{`/*! see https://unpkg.com/graphiql */`, `xmlns:"http://www.w3.org/2000/svg"`, `href:"https://github.com/graphql/graphiql"`} {
		if s := commentRE.ReplaceAllString(ok, ""); cdnRE.MatchString(s) || loadRE.MatchString(s) {
			t.Errorf("pattern flags %s", ok)
		}
	}
	for _, name := range []string{"assets/graphiql.js", "assets/graphiql.css"} {
		b, err := assetFS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		src := commentRE.ReplaceAllString(string(b), "")
		if m := cdnRE.FindAllString(src, 5); m != nil {
			t.Errorf("%s references a CDN: %q", name, m)
		}
		if m := loadRE.FindAllString(src, 5); m != nil {
			t.Errorf("%s loads from an absolute URL: %q", name, m)
		}
		if strings.HasSuffix(name, ".css") {
			// Stylesheets may only use data: URLs (the fonts are inlined).
			for _, m := range regexp.MustCompile(`url\(\s*["']?([a-zA-Z]+:|//)`).FindAllStringSubmatch(src, -1) {
				if m[1] != "data:" {
					t.Errorf("%s: url(%s…)", name, m[1])
				}
			}
			if strings.Contains(src, "@import") {
				t.Errorf("%s has an @import", name)
			}
		}
	}
}

func TestWantsHTML(t *testing.T) {
	cases := []struct {
		method, accept string
		want           bool
	}{
		{"GET", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"GET", "TEXT/HTML", true},
		{"HEAD", "text/html", true},
		{"GET", "application/json", false},
		{"GET", "application/graphql-response+json, application/json;q=0.9", false},
		{"GET", "*/*", false},
		{"GET", "", false},
		{"GET", "text/html;q=0", false},
		{"GET", "text/html; q=0.1", true},
		{"POST", "text/html", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, "/graphql", nil)
		if c.accept != "" {
			r.Header.Set("Accept", c.accept)
		}
		if got := WantsHTML(r); got != c.want {
			t.Errorf("%s Accept %q: %v, want %v", c.method, c.accept, got, c.want)
		}
	}
}
