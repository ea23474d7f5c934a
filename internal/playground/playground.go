// Package playground serves an offline GraphiQL page for the GraphQL endpoint.
//
// The page's script and stylesheet are built from the npm graphiql package by
// web/playground (npm run build) and committed under assets/, so `go build`
// needs no npm and the page loads nothing from a CDN. The page contains no
// inline script or style: it works under a strict Content-Security-Policy.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/relurl"
)

// CSP is the Content-Security-Policy sent with the playground page and its assets.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed assets/*
var assetFS embed.FS

// asset is one embedded file, with its hashed name and a gzip copy made on first use.
type asset struct {
	name        string // file name in assets/, e.g. "graphiql.js"
	hashedName  string // e.g. "graphiql.3f2a9c1d0b7e.js"
	contentType string
	etag        string
	body        []byte

	gzipOnce sync.Once
	gzipped  []byte
}

func (a *asset) gzipBody() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(a.body)
		if zw.Close() == nil && buf.Len() < len(a.body) {
			a.gzipped = buf.Bytes()
		}
	})
	return a.gzipped
}

var (
	assetsOnce sync.Once
	assetsByID map[string]*asset // by plain and hashed name
	jsAsset    *asset
	cssAsset   *asset
)

func loadAssets() {
	assetsOnce.Do(func() {
		assetsByID = map[string]*asset{}
		load := func(name string) *asset {
			body, err := assetFS.ReadFile("assets/" + name)
			if err != nil {
				panic("playground: missing embedded asset " + name + " (run npm run build in web/playground)")
			}
			sum := sha256.Sum256(body)
			h := hex.EncodeToString(sum[:])[:16]
			ext := name[strings.LastIndexByte(name, '.'):]
			ct := mime.TypeByExtension(ext)
			switch ext {
			case ".js":
				ct = "text/javascript; charset=utf-8"
			case ".css":
				ct = "text/css; charset=utf-8"
			}
			a := &asset{
				name:        name,
				hashedName:  strings.TrimSuffix(name, ext) + "." + h + ext,
				contentType: ct,
				etag:        `"` + h + `"`,
				body:        body,
			}
			assetsByID[a.name] = a
			assetsByID[a.hashedName] = a
			return a
		}
		jsAsset = load("graphiql.js")
		cssAsset = load("graphiql.css")
	})
}

var pageTemplate = template.Must(template.New("playground").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{{.CSS}}">
<script defer src="{{.JS}}"></script>
</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}"{{with .Example}} data-example="{{.}}"{{end}}>Loading the GraphQL playground…</div>
<noscript>The GraphQL playground needs JavaScript.</noscript>
</body>
</html>
`))

// Examples the page opens on (data-example; src/index.jsx holds the texts).
const (
	ExampleGatehouse = "gatehouse" // login and me on Gatehouse's schema
	ExampleDirectus  = "directus"  // auth_login and users_me on Directus's names
)

// Page describes one playground page.
type Page struct {
	Endpoint string // the GraphQL endpoint as routed, e.g. "/graphql"
	Assets   string // where the assets are routed, e.g. "/graphql/playground/"
	Title    string
	Example  string // ExampleGatehouse, ExampleDirectus or "" (GraphiQL's own welcome)
}

// Handler serves the playground page for endpoint (e.g. "/graphql") at any path it is
// mounted on, plus its assets under assetPrefix (e.g. "/graphql/playground/"), with a
// strict CSP (see CSP), X-Content-Type-Options nosniff, and long-lived immutable caching
// for the content-hashed asset names the page links to (plain names are served too,
// revalidated by ETag).
func Handler(endpoint, assetPrefix, title string) http.Handler {
	return Page{Endpoint: endpoint, Assets: assetPrefix, Title: title}.Handler()
}

// Handler serves p (see the package function Handler). The page's links are
// relative to the URL it was requested with (internal/relurl), so it works
// behind a proxy that serves Gatehouse under a path prefix.
func (p Page) Handler() http.Handler {
	loadAssets()
	assetPrefix := p.Assets
	if !strings.HasSuffix(assetPrefix, "/") {
		assetPrefix += "/"
	}
	if p.Title == "" {
		p.Title = "GraphQL playground"
	}
	render := func(r *http.Request) ([]byte, string) {
		var page bytes.Buffer
		err := pageTemplate.Execute(&page, struct{ Title, Endpoint, Example, JS, CSS string }{
			Title:    p.Title,
			Endpoint: relurl.To(r, p.Endpoint),
			Example:  p.Example,
			JS:       relurl.To(r, assetPrefix+jsAsset.hashedName),
			CSS:      relurl.To(r, assetPrefix+cssAsset.hashedName),
		})
		if err != nil {
			panic("playground: rendering page: " + err.Error())
		}
		sum := sha256.Sum256(page.Bytes())
		return page.Bytes(), `"` + hex.EncodeToString(sum[:])[:16] + `"`
	}

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if name, ok := strings.CutPrefix(r.URL.Path, assetPrefix); ok {
			a := assetsByID[name]
			if a == nil {
				http.NotFound(w, r)
				return
			}
			serveAsset(w, r, a, name == a.hashedName)
			return
		}
		pageBody, pageETag := render(r)
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", pageETag)
		if etagMatches(r.Header.Get("If-None-Match"), pageETag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		h.Set("Content-Length", strconv.Itoa(len(pageBody)))
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(pageBody)
	})
}

func serveAsset(w http.ResponseWriter, r *http.Request, a *asset, hashed bool) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	h.Set("Vary", "Accept-Encoding")
	if hashed {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if acceptsGzip(r) {
		if gz := a.gzipBody(); gz != nil {
			body = gz
			h.Set("Content-Encoding", "gzip")
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func etagMatches(ifNoneMatch, etag string) bool {
	if ifNoneMatch == "" {
		return false
	}
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") && qValue(params) > 0 {
			return true
		}
	}
	return false
}

// WantsHTML reports whether a GET (or HEAD) request prefers HTML: its Accept header lists
// text/html (with a non-zero quality). Browsers navigating to the GraphQL URL send that;
// GraphQL clients doing GET queries send application/json or graphql-response+json.
// The GraphQL route uses it to choose between the playground and a GET query.
func WantsHTML(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, accept := range r.Header.Values("Accept") {
		for _, part := range strings.Split(accept, ",") {
			mt, params, _ := strings.Cut(part, ";")
			if strings.EqualFold(strings.TrimSpace(mt), "text/html") && qValue(params) > 0 {
				return true
			}
		}
	}
	return false
}

// qValue returns the q parameter among ";"-separated media-type parameters (1 when absent).
func qValue(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0
			}
			return q
		}
	}
	return 1
}
