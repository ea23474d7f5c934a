package playground_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gatehouse/gatehouse/internal/playground"
	"github.com/gatehouse/gatehouse/internal/playground/browsertest"
)

// Selectors of graphiql 3.x, for end-to-end tests against the real /graphql.
const (
	selContainer   = ".graphiql-container"
	selQueryEditor = ".graphiql-query-editor .CodeMirror" // CodeMirror 5; the element's .CodeMirror property is the editor
	selRunButton   = ".graphiql-execute-button"
	selResponse    = ".graphiql-response .CodeMirror"
)

// A minimal introspection result: type Query { hello: String }.
const introspection = `{"data":{"__schema":{"description":null,"queryType":{"name":"Query"},"mutationType":null,"subscriptionType":null,
"types":[{"kind":"OBJECT","name":"Query","description":null,"specifiedByURL":null,"fields":[{"name":"hello","description":null,"args":[],
"type":{"kind":"SCALAR","name":"String","ofType":null},"isDeprecated":false,"deprecationReason":null}],"inputFields":null,"interfaces":[],
"enumValues":null,"possibleTypes":null},{"kind":"SCALAR","name":"String","description":null,"specifiedByURL":null,"fields":null,
"inputFields":null,"interfaces":null,"enumValues":null,"possibleTypes":null},{"kind":"SCALAR","name":"Boolean","description":null,
"specifiedByURL":null,"fields":null,"inputFields":null,"interfaces":null,"enumValues":null,"possibleTypes":null}],"directives":[]}}}`

// fakeGraphQL stands in for the real endpoint (which lives elsewhere): it answers the
// introspection query and { hello }, the latter with "world" only when the browser sent
// the test's cookie (credentials: same-origin).
type fakeGraphQL struct {
	mu      sync.Mutex
	queries []string
}

func (f *fakeGraphQL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":[{"message":"POST application/json only"}]}`)
		return
	}
	var req struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"errors":[{"message":"bad json"}]}`)
		return
	}
	f.mu.Lock()
	f.queries = append(f.queries, req.Query)
	f.mu.Unlock()
	switch {
	case strings.Contains(req.Query, "__schema"):
		fmt.Fprint(w, introspection)
	case strings.Contains(req.Query, "hello"):
		if c, err := r.Cookie("gh_test"); err != nil || c.Value != "ok" {
			fmt.Fprint(w, `{"data":{"hello":"no cookie"}}`)
			return
		}
		fmt.Fprint(w, `{"data":{"hello":"world"}}`)
	default:
		fmt.Fprint(w, `{"errors":[{"message":"unknown query"}]}`)
	}
}

func TestBrowserPlayground(t *testing.T) {
	ctx := browsertest.Chromium(t)

	gql := &fakeGraphQL{}
	pg := playground.Handler("/graphql", "/graphql/playground/", "Gatehouse GraphQL")
	mux := http.NewServeMux()
	mux.Handle("/graphql/playground/", pg)
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		if playground.WantsHTML(r) {
			pg.ServeHTTP(w, r)
			return
		}
		gql.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	srvURL, _ := url.Parse(srv.URL)

	var (
		mu       sync.Mutex
		problems []string
		external []string
	)
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *log.EventEntryAdded:
			if e.Entry != nil && (e.Entry.Level == log.EntryLevelError || strings.Contains(e.Entry.Text, "Content Security Policy")) {
				problems = append(problems, fmt.Sprintf("log %s/%s: %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				problems = append(problems, "console."+string(e.Type)+": "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			problems = append(problems, "exception: "+msg)
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(e.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Host != srvURL.Host) {
				external = append(external, e.Request.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()

	// Record CSP violations from inside the page too (DevTools scripts bypass the page's CSP).
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: "gh_test", Value: "ok", URL: srv.URL}); err != nil {
		t.Fatal(err)
	}

	const query = "{ hello }"
	err = chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/graphql"),
		chromedp.WaitVisible(chromedp.CSS(selContainer)),
		chromedp.WaitVisible(chromedp.CSS(selQueryEditor)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](fmt.Sprintf(`document.querySelector(%q).CodeMirror.setValue(%q)`, selQueryEditor, query))(ctx, t)
			return err
		}),
		chromedp.Click(chromedp.CSS(selRunButton)),
	)
	if err != nil {
		t.Fatalf("driving the playground: %v", err)
	}
	result, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(
		`(() => { const v = document.querySelector(%q)?.CodeMirror?.getValue() || ''; return v.includes('world') ? v : null })()`, selResponse),
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		text, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](`document.body.innerText`))
		t.Fatalf("waiting for the result: %v\npage text:\n%s\nqueries: %q", err, text, gql.queries)
	}
	if !strings.Contains(result, `"hello": "world"`) {
		t.Errorf("result pane:\n%s", result)
	}

	// Open the settings dialog (its scroll lock injects styles in some versions) and the
	// documentation explorer (it needs the schema from the introspection query).
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`button[aria-label="Open settings dialog"]`)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-dialog")),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			// The scroll lock arrives as an adopted stylesheet, not a (blocked) <style>.
			n, err := chromedp.Evaluate[int](`document.adoptedStyleSheets.length`)(ctx, t)
			if err == nil && n == 0 {
				err = fmt.Errorf("no adopted stylesheet while the dialog is open")
			}
			return err
		}),
		chromedp.KeyEvent(kb.Escape),
		chromedp.WaitNotPresent(chromedp.CSS(".graphiql-dialog")),
		chromedp.Click(chromedp.CSS(`button[aria-label="Show Documentation Explorer"]`)),
		chromedp.WaitVisible(chromedp.CSS(".graphiql-doc-explorer")),
	)
	if err != nil {
		t.Fatalf("dialog / docs: %v", err)
	}
	docs, err := chromedp.Run(ctx, chromedp.Poll[string](
		`(() => { const t = document.querySelector('.graphiql-doc-explorer')?.innerText || ''; return t.includes('Query') ? t : null })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Errorf("docs explorer does not show the schema: %v %q", err, docs)
	}

	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(csp) > 0 {
		t.Errorf("CSP violations: %q", csp)
	}
	for _, p := range problems {
		t.Errorf("browser: %s", p)
	}
	if len(external) > 0 {
		t.Errorf("requests to other origins: %q", external)
	}
	gql.mu.Lock()
	defer gql.mu.Unlock()
	sawIntrospection := false
	for _, q := range gql.queries {
		sawIntrospection = sawIntrospection || strings.Contains(q, "__schema")
	}
	if !sawIntrospection {
		t.Errorf("no introspection query; queries: %q", gql.queries)
	}
}
