package httpmw_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpmw"
	"github.com/gatehouse/gatehouse/internal/ratelimit"
	"github.com/gatehouse/gatehouse/internal/ratelimit/redistest"
)

func TestFormatMS(t *testing.T) {
	t.Parallel()
	for ms, want := range map[int64]string{59_000: "59s", 59_499: "59s", 59_500: "60s", 60_000: "1m", 90_000: "2m",
		500: "500ms", 0: "0ms", 1000: "1s", 3_600_000: "1h", 86_400_000: "1d", 172_800_000: "2d"} {
		if got := ratelimit.FormatMS(ms); got != want {
			t.Errorf("FormatMS(%d) = %q, want %q", ms, got, want)
		}
	}
}

type errorBody struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// The (N+1)th request from one IP gets Directus's 429, on both stores.
func TestRateLimitMiddleware(t *testing.T) {
	stores := map[string]func(t *testing.T, o ratelimit.Options) ratelimit.Limiter{
		"memory": func(t *testing.T, o ratelimit.Options) ratelimit.Limiter {
			l, err := ratelimit.NewMemory(o)
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
		"redis": func(t *testing.T, o ratelimit.Options) ratelimit.Limiter {
			c := redistest.Client(t)
			o.Prefix = redistest.Prefix(t, c)
			l, err := ratelimit.NewRedis(c, o)
			if err != nil {
				t.Fatal(err)
			}
			return l
		},
	}
	for name, mk := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const n = 5
			var hits atomic.Int32
			l := mk(t, ratelimit.Options{Points: n, Duration: time.Minute})
			ip := httpmw.NewIPResolver(mustTrust(t, "false"), "")
			h := ip.Middleware(httpmw.RateLimit(httpmw.LimitOptions{Name: "ip", Limiter: l,
				OnHit: func(string) { hits.Add(1) }})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, "pong")
			})))
			srv := httptest.NewServer(h)
			defer srv.Close()
			for i := 1; i <= n; i++ {
				res, err := http.Get(srv.URL + "/server/ping")
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("request %d: %d", i, res.StatusCode)
				}
			}
			before := time.Now()
			// Spoofed X-Forwarded-For from an untrusted peer does not open a new bucket.
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/server/ping", nil)
			req.Header.Set("X-Forwarded-For", "198.51.100.77")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("request %d: %d %s", n+1, res.StatusCode, raw)
			}
			ra, err := strconv.Atoi(res.Header.Get("Retry-After"))
			if err != nil || ra < 58 || ra > 60 {
				t.Fatalf("Retry-After = %q", res.Header.Get("Retry-After"))
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			var body errorBody
			if err := json.Unmarshal(raw, &body); err != nil || len(body.Errors) != 1 {
				t.Fatalf("body %s: %v", raw, err)
			}
			e := body.Errors[0]
			if m := e.Message; m != "Too many requests, retry after 1m." && m != "Too many requests, retry after 60s." && m != "Too many requests, retry after 59s." {
				t.Fatalf("message %q", e.Message)
			}
			if e.Extensions["code"] != "REQUESTS_EXCEEDED" || e.Extensions["limit"] != float64(n) || len(e.Extensions) != 3 {
				t.Fatalf("extensions %v", e.Extensions)
			}
			reset, err := time.Parse("2006-01-02T15:04:05.000Z", e.Extensions["reset"].(string))
			if err != nil {
				t.Fatalf("reset %v: %v", e.Extensions["reset"], err)
			}
			if d := reset.Sub(before); d < 50*time.Second || d > 61*time.Second {
				t.Fatalf("reset %v is %v away", reset, d)
			}
			if hits.Load() != 1 {
				t.Fatalf("OnHit called %d times", hits.Load())
			}
		})
	}
}

func TestWriteTooManyRequestsShape(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	w := httptest.NewRecorder()
	httpmw.WriteTooManyRequests(w, ratelimit.Result{Limit: 50, Reset: now.Add(59 * time.Second)}, now)
	want := `{"errors":[{"message":"Too many requests, retry after 59s.","extensions":{"code":"REQUESTS_EXCEEDED","limit":50,"reset":"2025-01-02T03:05:04.000Z"}}]}`
	if w.Code != 429 || w.Body.String() != want || w.Header().Get("Retry-After") != "59" {
		t.Fatalf("%d %s %v", w.Code, w.Body, w.Header())
	}
	// Sub-second waits still ask for at least one second.
	w = httptest.NewRecorder()
	httpmw.WriteTooManyRequests(w, ratelimit.Result{Limit: 50, Reset: now.Add(300 * time.Millisecond)}, now)
	if w.Header().Get("Retry-After") != "1" || !strings.Contains(w.Body.String(), "retry after 300ms.") {
		t.Fatalf("%s %v", w.Body, w.Header())
	}
}

func TestRateLimitStoreDown(t *testing.T) {
	t.Parallel()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, open := range []bool{true, false} {
		h := httpmw.RateLimit(httpmw.LimitOptions{Limiter: brokenLimiter{}, FailOpen: open,
			Log: discardLogger()})(next)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		want := http.StatusServiceUnavailable
		if open {
			want = http.StatusTeapot
		}
		if w.Code != want {
			t.Fatalf("fail open %v: %d", open, w.Code)
		}
	}
}
