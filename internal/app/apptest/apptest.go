// Package apptest runs a real Gatehouse over a real database behind
// httptest, with an injected clock, for black-box tests.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/auth"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
	"github.com/gatehouse/gatehouse/internal/testclock"
	"github.com/gatehouse/gatehouse/models"
)

// Clock is the settable clock shared by the server's services.
type Clock = testclock.Clock

// Server is a running Gatehouse for one test.
type Server struct {
	*httptest.Server
	App   *app.App
	Clock *Clock
	t     testing.TB
	logs  *logBuffer
}

// logBuffer keeps what the server logged, for tests that check a log line;
// past 4 MiB (a benchmark's request logs) it keeps no more.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 4<<20 {
		return len(p), nil
	}
	return l.b.Write(p)
}

// Logs is everything the server has logged so far (text handler lines).
func (s *Server) Logs() string {
	s.logs.mu.Lock()
	defer s.logs.mu.Unlock()
	return s.logs.b.String()
}

// AdminEmail and AdminPassword are the bootstrap admin's credentials.
const (
	AdminEmail    = "admin@example.com"
	AdminPassword = "correct-horse-battery"
	AdminToken    = "static-admin-token-0123456789"
)

// Env is the base environment: cheap hashes and no stall, so tests are fast.
var Env = []string{
	"SECRET=test-secret-0123456789-0123456789-abcdef",
	"HASH_MEMORY_COST=256", "HASH_TIME_COST=1",
	"LOGIN_STALL_TIME=0",
	"PUBLIC_URL=http://gatehouse.test",
	"ADMIN_EMAIL=" + AdminEmail, "ADMIN_PASSWORD=" + AdminPassword, "ADMIN_TOKEN=" + AdminToken,
}

// New starts Gatehouse on a fresh database of client ("sqlite3" or "pg");
// env entries override Env.
func New(t testing.TB, client string, env ...string) *Server {
	t.Helper()
	return NewOn(t, storetest.Options(t, client), env...)
}

// NewOn starts Gatehouse on an existing database: several servers on one
// database behave as several instances.
func NewOn(t testing.TB, o store.Options, env ...string) *Server {
	t.Helper()
	client := o.Client
	environ := append([]string{"DB_CLIENT=" + client, "DB_FILENAME=" + o.Filename, "DB_CONNECTION_STRING=" + o.DSN,
		"DATA_DIR=" + t.TempDir()}, Env...)
	if o.Pooler != "" {
		environ = append(environ, "DB_POOLER="+o.Pooler)
	}
	if o.DirectDSN != "" {
		environ = append(environ, "DB_DIRECT_URL="+o.DirectDSN)
	}
	cfg, err := config.Load(append(environ, env...))
	if err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(time.Now().UTC().Truncate(time.Second))
	logs := &logBuffer{}
	var out io.Writer = logs
	if os.Getenv("GATEHOUSE_TEST_LOG") != "" {
		out = io.MultiWriter(logs, os.Stderr) // see the server's logs while debugging a test
	}
	log := slog.New(slog.NewTextHandler(out, nil))
	a, err := app.Open(context.Background(), cfg, log, app.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	// Like a served instance, each one keeps its key set in step with the
	// database on its own; stopped before the database closes.
	keysCtx, stopKeys := context.WithCancel(context.Background())
	keysDone := make(chan struct{})
	go func() { defer close(keysDone); a.RunKeys(keysCtx) }()
	t.Cleanup(func() { stopKeys(); <-keysDone })
	if _, err := a.Auth.EnsureAdmin(context.Background(), cfg.AdminEmail, cfg.AdminPassword, cfg.AdminToken); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &Server{Server: srv, App: a, Clock: clock, t: t, logs: logs}
}

// Response is a finished HTTP exchange.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into a generic value.
func (r *Response) JSON() map[string]any {
	var v map[string]any
	_ = json.Unmarshal(r.Body, &v)
	return v
}

// Data returns body.data as an object.
func (r *Response) Data() map[string]any {
	d, _ := r.JSON()["data"].(map[string]any)
	return d
}

// FirstError returns errors[0].extensions.code and errors[0].message, or ""
// for each that is missing: the one reader of error envelopes in tests.
func (r *Response) FirstError() (code, message string) {
	errs, _ := r.JSON()["errors"].([]any)
	if len(errs) == 0 {
		return "", ""
	}
	e, _ := errs[0].(map[string]any)
	ext, _ := e["extensions"].(map[string]any)
	code, _ = ext["code"].(string)
	message, _ = e["message"].(string)
	return code, message
}

// Code returns errors[0].extensions.code, or "".
func (r *Response) Code() string {
	c, _ := r.FirstError()
	return c
}

// Message returns errors[0].message, or "".
func (r *Response) Message() string {
	_, m := r.FirstError()
	return m
}

// Cookie returns the Set-Cookie for name, or nil.
func (r *Response) Cookie(name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Do sends a request. body may be a string (sent as is), []byte, or any value
// (JSON-encoded); header is pairs of name, value.
func (s *Server) Do(method, path string, body any, header ...string) *Response {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Cookie" {
			req.Header.Add("Cookie", header[i+1])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	s.checkOAS(req, res, b)
	return &Response{Response: res, Body: b}
}

// Post sends a JSON POST.
func (s *Server) Post(path string, body any, header ...string) *Response {
	s.t.Helper()
	return s.Do(http.MethodPost, path, body, header...)
}

// Login logs in and fails the test unless it answers 200.
func (s *Server) Login(email, password string, extra ...string) *Response {
	s.t.Helper()
	b := map[string]any{"email": email, "password": password}
	for i := 0; i+1 < len(extra); i += 2 {
		b[extra[i]] = extra[i+1]
	}
	r := s.Post("/auth/login", b)
	if r.StatusCode != http.StatusOK {
		s.t.Fatalf("login %s: %d %s", email, r.StatusCode, r.Body)
	}
	return r
}

// CreateUser adds an active user through the service.
func (s *Server) CreateUser(email, password string) *models.User {
	s.t.Helper()
	u, err := s.App.Auth.CreateUser(context.Background(), auth.NewUser{Email: email, Password: password})
	if err != nil {
		s.t.Fatal(err)
	}
	return u
}

// Each runs fn against a fresh server on every database, in parallel.
func Each(t *testing.T, fn func(t *testing.T, s *Server), env ...string) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, client string) {
		fn(t, New(t, client, env...))
	})
}

// GraphQL posts a query (with optional variables) to endpoint.
func (s *Server) GraphQL(endpoint, query string, vars map[string]any, header ...string) *Response {
	s.t.Helper()
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	return s.Post(endpoint, body, header...)
}

// Field returns data.<name> as an object.
func (r *Response) Field(name string) map[string]any {
	d, _ := r.JSON()["data"].(map[string]any)
	f, _ := d[name].(map[string]any)
	return f
}

// Metrics scrapes what the metrics listener (METRICS_ADDR) serves; the
// public handler under test does not serve /metrics.
func (s *Server) Metrics() string {
	s.t.Helper()
	h := s.App.Ops.MetricsHandler()
	if h == nil {
		s.t.Fatal("metrics are disabled")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		s.t.Fatalf("scrape: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}
