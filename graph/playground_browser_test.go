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

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/playground/browsertest"
)

// Selectors of graphiql 3.x (as in internal/playground/browser_test.go).
const (
	pgContainer   = ".graphiql-container"
	pgQueryEditor = ".graphiql-query-editor .CodeMirror" // CodeMirror 5; the element's .CodeMirror property is the editor
	pgRunButton   = ".graphiql-execute-button"
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

// runInPlayground replaces the editor's text with query, clicks run and waits until the
// result pane contains every string of want; it returns the pane's text.
func runInPlayground(t *testing.T, ctx context.Context, query string, want ...string) string {
	t.Helper()
	// Clear the previous result first, so the poll cannot see a stale one.
	err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[any](fmt.Sprintf(
				`(() => { document.querySelector(%q).CodeMirror.setValue(%q); const r = document.querySelector(%q)?.CodeMirror; if (r) r.setValue(''); return true })()`,
				pgQueryEditor, query, pgResponse))(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(pgRunButton)),
	)
	if err != nil {
		t.Fatalf("running %q: %v", query, err)
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
		pane, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](fmt.Sprintf(
			`document.querySelector(%q)?.CodeMirror?.getValue() || document.body.innerText`, pgResponse)))
		t.Fatalf("running %q: waiting for %q: %v\nresult pane / page:\n%s", query, want, err, pane)
	}
	return result
}

// TestPlaygroundLoginInBrowser logs in through the GraphiQL playground served by the
// real server, in headless Chromium, and checks that me is null without a token.
func TestPlaygroundLoginInBrowser(t *testing.T) {
	ctx := browsertest.Chromium(t)
	s := apptest.New(t, "sqlite3")

	var problems browserProblems
	if err := problems.listen(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()

	// Record CSP violations from inside the page too (DevTools scripts bypass the page's CSP).
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation',
			e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));`,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/graphql"),
		chromedp.WaitVisible(chromedp.CSS(pgContainer)),
		chromedp.WaitVisible(chromedp.CSS(pgQueryEditor)),
	)
	if err != nil {
		t.Fatalf("opening the playground: %v", err)
	}

	login := fmt.Sprintf("mutation {\n  login(email: %q, password: %q) { accessToken expires }\n}",
		apptest.AdminEmail, apptest.AdminPassword)
	res := runInPlayground(t, ctx, login, `"accessToken": "ey`, `"expires": 900000`)
	if strings.Contains(res, `"errors"`) {
		t.Errorf("login result has errors:\n%s", res)
	}

	res = runInPlayground(t, ctx, "{ me { email } }", `"me": null`)
	if strings.Contains(res, apptest.AdminEmail) {
		t.Errorf("me without a token shows the admin:\n%s", res)
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
