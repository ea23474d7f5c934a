package rest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app/apptest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// Benchmarks run the real stack (HTTP, auth, bun, the database) through
// apptest at the production hash parameters; they measure, never assert
// timings. Profile with e.g.
//
//	go test -run '^$' -bench 'Me/sqlite3' -cpuprofile cpu.out ./internal/rest
//	go tool pprof -top rest.test cpu.out

// productionHash undoes apptest's cheap test hashes.
var productionHash = []string{"HASH_MEMORY_COST=19456", "HASH_TIME_COST=2", "HASH_PARALLELISM=1"}

func benchServers(b *testing.B, fn func(b *testing.B, s *apptest.Server)) {
	benchServersWith(b, productionHash, fn)
}

// benchServersWith runs fn against a server on each database, started with env.
func benchServersWith(b *testing.B, env []string, fn func(b *testing.B, s *apptest.Server)) {
	for _, client := range storetest.Dialects {
		b.Run(client, func(b *testing.B) {
			fn(b, apptest.New(b, client, env...))
		})
	}
}

// benchClient keeps one keep-alive connection per parallel worker.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}}
}

type loginData struct {
	Data struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	} `json:"data"`
}

func benchLogin(b *testing.B, c *http.Client, s *apptest.Server) loginData {
	var out loginData
	code := benchPost(b, c, s.URL+"/auth/login", map[string]string{"email": admin, "password": adminPW, "mode": "json"}, &out)
	if code != http.StatusOK || out.Data.Access == "" {
		b.Fatalf("login: %d", code)
	}
	return out
}

func benchPost(b *testing.B, c *http.Client, url string, body any, into any) int {
	raw, _ := json.Marshal(body)
	res, err := c.Post(url, jsonCT, bytes.NewReader(raw))
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	rb, _ := io.ReadAll(res.Body)
	if into != nil && res.StatusCode == http.StatusOK {
		if err := json.Unmarshal(rb, into); err != nil {
			b.Fatal(err)
		}
	}
	return res.StatusCode
}

// BenchmarkMe is GET /users/me with a bearer token (json mode: no session
// row to check), 8 workers per CPU.
func BenchmarkMe(b *testing.B) {
	benchServers(b, func(b *testing.B, s *apptest.Server) {
		c := benchClient()
		tok := benchLogin(b, c, s).Data.Access
		b.SetParallelism(8)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/users/me", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			for pb.Next() {
				res, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		})
	})
}

// BenchmarkRefresh is POST /auth/refresh in json mode; every worker logs in
// once and then rotates its own chain, 8 workers per CPU.
func BenchmarkRefresh(b *testing.B) {
	benchServers(b, func(b *testing.B, s *apptest.Server) {
		c := benchClient()
		b.SetParallelism(8)
		chains := make(chan string, 8*runtime.GOMAXPROCS(0))
		for range cap(chains) { // log in outside the timer: a hash each
			chains <- benchLogin(b, c, s).Data.Refresh
		}
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			tok := <-chains
			var out loginData
			for pb.Next() {
				out.Data.Refresh = ""
				code := benchPost(b, c, s.URL+"/auth/refresh", map[string]string{"refresh_token": tok, "mode": "json"}, &out)
				if code != http.StatusOK || out.Data.Refresh == "" {
					b.Errorf("refresh: %d", code)
					return
				}
				tok = out.Data.Refresh
			}
		})
	})
}
