package graph_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/playground/browsertest"
	"github.com/gatehouse/gatehouse/internal/testproc"
)

// Selectors of graphiql 3.x (as in internal/playground/browser_test.go).
const (
	pgContainer   = ".graphiql-container"
	pgQueryEditor = ".graphiql-query-editor .CodeMirror" // CodeMirror 5; the element's .CodeMirror property is the editor
	pgResponse    = ".graphiql-response .CodeMirror"
)

// browserProblems collects console errors, uncaught exceptions and CSP reports.
type browserProblems struct {
	mu   sync.Mutex
	list []string
}

func (p *browserProblems) listen(ctx context.Context) error {
	return chromedp.Listen(ctx, func(ev any) {
		p.mu.Lock()
		defer p.mu.Unlock()
		switch e := ev.(type) {
		case *log.EventEntryAdded:
			if e.Entry != nil && (e.Entry.Level == log.EntryLevelError || strings.Contains(e.Entry.Text, "Content Security Policy")) {
				p.list = append(p.list, fmt.Sprintf("log %s/%s: %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				p.list = append(p.list, "console."+string(e.Type)+": "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			p.list = append(p.list, "exception: "+msg)
		}
	})
}

func (p *browserProblems) get() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.list...)
}

// pgHeaders is the headers editor (the tools pane opens on it).
const pgHeaders = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"

// editorValue returns the text of the CodeMirror under sel.
func editorValue(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q)?.CodeMirror?.getValue() ?? ''`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// runOperation puts the cursor inside the operation whose first line starts
// with opLine (as a user would click into it), runs it with Ctrl-Enter and waits until the
// result pane contains every string of want.
func runOperation(t *testing.T, ctx context.Context, opLine string, want ...string) string {
	t.Helper()
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			i, err := chromedp.Evaluate[int](fmt.Sprintf(`(() => {
				const cm = document.querySelector(%q).CodeMirror;
				const i = cm.getValue().split('\n').findIndex(l => l.startsWith(%q));
				if (i >= 0) { cm.focus(); cm.setCursor({line: i + 1, ch: 2}); }
				const r = document.querySelector(%q)?.CodeMirror; if (r) r.setValue('');
				return i })()`, pgQueryEditor, opLine, pgResponse))(ctx, tg)
			if err == nil && i < 0 {
				err = fmt.Errorf("no line starting with %q in the editor", opLine)
			}
			return err
		}),
		// Ctrl-Enter runs the operation under the cursor (▶ would ask which one).
		chromedp.KeyEvent(kb.Enter, chromedp.KeyModifiers(kb.ModifierCtrl)),
	)
	if err != nil {
		t.Fatalf("running %q: %v", opLine, err)
	}
	var conds []string
	for _, w := range want {
		conds = append(conds, fmt.Sprintf("v.includes(%q)", w))
	}
	result, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(
		`(() => { const v = document.querySelector(%q)?.CodeMirror?.getValue() || ''; return (%s) ? v : null })()`,
		pgResponse, strings.Join(conds, " && ")),
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Fatalf("running %q: waiting for %q: %v\nresult pane: %s\nquery: %s", opLine, want, err,
			editorValue(t, context.WithoutCancel(ctx), pgResponse), editorValue(t, context.WithoutCancel(ctx), pgQueryEditor))
	}
	return result
}

// TestPlaygroundLoginInBrowser opens the GraphiQL playground served by the real
// server in headless Chromium, on both endpoints: it opens on a working example
// (a login mutation and a me query, Directus's names on /graphql/system), not
// GraphiQL's welcome text; me is null before login; the login's access token is
// carried to the headers pane, so me then answers the user.
func TestPlaygroundLoginInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	s := apptest.New(t, "sqlite3")
	checkPlaygroundExamples(t, ctx, s.URL)
}

// TestPlaygroundBehindPrefixProxyInBrowser does the same through nginx serving
// Gatehouse under /auth (stripping it), with PUBLIC_URL naming the prefix.
func TestPlaygroundBehindPrefixProxyInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	port := testproc.FreePort(t)
	public := fmt.Sprintf("http://127.0.0.1:%d/auth", port)
	s := apptest.New(t, "sqlite3", "PUBLIC_URL="+public)
	checkPlaygroundExamples(t, ctx, testproc.NginxPrefix(t, port, "/auth", s.Listener.Addr().String()))
}

// checkPlaygroundExamples drives the playground's examples on both endpoints
// under base (the server, or a proxy in front of it).
func checkPlaygroundExamples(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	var problems browserProblems
	if err := problems.listen(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()

	// Record CSP violations from inside the page too (DevTools scripts bypass the page's CSP).
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, login, me, token, user string
	}{
		{"/graphql", "login(", "me {", `"accessToken": "ey`, `"me": {`},
		{"/graphql/system", "auth_login(", "users_me {", `"access_token": "ey`, `"users_me": {`},
	} {
		err = chromedp.Do(ctx,
			chromedp.Navigate(base+c.path),
			chromedp.WaitVisible(chromedp.CSS(pgContainer)),
			chromedp.WaitVisible(chromedp.CSS(pgQueryEditor)),
		)
		if err != nil {
			t.Fatalf("opening the playground at %s: %v", c.path, err)
		}
		doc := editorValue(t, ctx, pgQueryEditor)
		for _, want := range []string{"mutation Login {", c.login, "query Me {", c.me} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s: the example lacks %q:\n%s", c.path, want, doc)
			}
		}
		if strings.Contains(doc, "Welcome to GraphiQL") {
			t.Errorf("%s opens on GraphiQL's welcome text", c.path)
		}
		nullMe := strings.Replace(c.user, "{", "null", 1)
		res := runOperation(t, ctx, "query Me", nullMe)
		if strings.Contains(res, apptest.AdminEmail) {
			t.Errorf("%s: me without a token shows the admin:\n%s", c.path, res)
		}
		// The user types their password into the example.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](fmt.Sprintf(
			`(() => { const cm = document.querySelector(%q).CodeMirror; cm.setValue(cm.getValue().replace('your-password', %q)); return true })()`,
			pgQueryEditor, apptest.AdminPassword))); err != nil {
			t.Fatal(err)
		}
		res = runOperation(t, ctx, "mutation Login", c.token)
		if strings.Contains(res, `"errors"`) {
			t.Errorf("%s: login result has errors:\n%s", c.path, res)
		}
		_, err = chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(
			`(() => { const v = document.querySelector(%q)?.CodeMirror?.getValue() || ''; return v.includes('"Authorization": "Bearer ey') ? v : null })()`,
			pgHeaders), chromedp.WithPollingTimeout(5*time.Second)))
		if err != nil {
			t.Fatalf("%s: the access token did not reach the headers pane: %v\n%q", c.path, err, editorValue(t, context.WithoutCancel(ctx), pgHeaders))
		}
		runOperation(t, ctx, "query Me", c.user, apptest.AdminEmail)
	}

	csp, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp`))
	if err != nil {
		t.Fatal(err)
	}
	if len(csp) > 0 {
		t.Errorf("CSP violations: %q", csp)
	}
	for _, p := range problems.get() {
		t.Errorf("browser: %s", p)
	}
}
