package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"sort"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// The closed-loop scenarios use fasthttp's client, which writes a request and
// reads its answer on the worker's own goroutine. net/http's client hands each
// request to a reader and a writer goroutine per connection; with the server
// on the same two cores, those hand-offs came out of the server's share
// (BENCHMARKS.md, sixth session).

// newHostClient keeps one connection per worker to the server at base.
func newHostClient(base string, conns int) (*fasthttp.HostClient, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("-url %q: want http://host:port or https://host:port", base)
	}
	tls := u.Scheme == "https"
	return &fasthttp.HostClient{
		Addr: fasthttp.AddMissingPort(u.Host, tls), IsTLS: tls,
		MaxConns: conns, MaxIdleConnDuration: time.Minute,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		NoDefaultUserAgentHeader: true,
	}, nil
}

// request is one worker's request, built once and sent again and again.
type request struct {
	hc   *fasthttp.HostClient
	req  *fasthttp.Request
	resp *fasthttp.Response
}

func newRequest(hc *fasthttp.HostClient, method, uri string, body []byte, header map[string]string) *request {
	r := &request{hc: hc, req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse()}
	r.req.SetRequestURI(uri)
	r.req.Header.SetMethod(method)
	for k, v := range header {
		r.req.Header.Set(k, v)
	}
	if body != nil {
		r.req.Header.SetContentType("application/json")
		r.req.SetBody(body)
	}
	return r
}

// step sends one request and returns its status and latency.
type step func() (code int, took time.Duration, err error)

// do sends the request; the body stays in r.resp.
func (r *request) do() (code int, took time.Duration, err error) {
	t0 := time.Now()
	err = r.hc.Do(r.req, r.resp)
	took = time.Since(t0)
	if err != nil {
		return 0, took, err
	}
	return r.resp.StatusCode(), took, nil
}

// closedLoop runs cfg.c workers back to back for cfg.warmup and then cfg.d;
// newWorker(i) returns worker i's step. The requests that complete inside
// the measured window count, and the rate is their number over its length.
func closedLoop(ctx context.Context, out io.Writer, name string, cfg config, rss *rssSampler, newWorker func(i int) step) error {
	type result struct {
		lat   []time.Duration
		codes map[string]int
	}
	steps := make([]step, cfg.c)
	for i := range steps {
		steps[i] = newWorker(i)
	}
	var (
		wg      sync.WaitGroup
		results = make([]result, cfg.c)
		measure = time.Now().Add(cfg.warmup)
		end     = measure.Add(cfg.d)
	)
	// Sample the server's RSS over the measured window only.
	startRSS := make(chan func() uint64, 1)
	sampling := time.AfterFunc(cfg.warmup, func() { startRSS <- rss.start() })
	for i := range cfg.c {
		wg.Go(func() {
			res := result{codes: map[string]int{}}
			for ctx.Err() == nil && time.Now().Before(end) {
				code, took, err := steps[i]()
				if t1 := time.Now(); t1.Before(measure) || !t1.Before(end) {
					continue
				}
				res.lat = append(res.lat, took)
				if err != nil { // an answer that could not be read counts as an error too
					res.codes[statusKey(0, err.Error())]++
				} else {
					res.codes[statusKey(code, "")]++
				}
			}
			results[i] = res
		})
	}
	wg.Wait()
	var peak uint64
	if !sampling.Stop() {
		peak = (<-startRSS)()
	}
	var all []time.Duration
	codes := map[string]int{}
	for _, r := range results {
		all = append(all, r.lat...)
		for k, v := range r.codes {
			codes[k] += v
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	window := cfg.d
	if ctx.Err() != nil { // interrupted: the window ended early
		window = max(0, min(window, time.Since(measure)))
	}
	report(out, name, cfg, uint64(len(all)), window, pct(all, 0.50), pct(all, 0.99), pct(all, 1), codes)
	rss.print(out, peak)
	return nil
}

// staticWorkers sends the same request from every worker.
func staticWorkers(hc *fasthttp.HostClient, method, uri string, body []byte, header map[string]string) func(int) step {
	return func(int) step {
		return newRequest(hc, method, uri, body, header).do
	}
}

// refreshWorkers: each worker presents the refresh token the previous
// refresh returned, starting from chains[i]. A failed refresh logs the worker
// in again (with relogin), outside the measured requests.
func refreshWorkers(hc *fasthttp.HostClient, cfg config, chains []string, relogin func() (string, error)) func(int) step {
	return func(i int) step {
		r := newRequest(hc, fasthttp.MethodPost, cfg.url+"/auth/refresh", []byte("{}"), nil)
		tok := chains[i]
		var parsed struct {
			Data struct {
				Refresh string `json:"refresh_token"`
			} `json:"data"`
		}
		return func() (int, time.Duration, error) {
			body, _ := json.Marshal(map[string]string{"refresh_token": tok, "mode": "json"})
			r.req.SetBody(body)
			parsed.Data.Refresh = ""
			code, took, err := r.do()
			if err == nil && code == fasthttp.StatusOK {
				err = json.Unmarshal(r.resp.Body(), &parsed)
			}
			if err == nil && parsed.Data.Refresh != "" {
				tok = parsed.Data.Refresh
			} else if t, lerr := relogin(); lerr == nil {
				tok = t
			}
			return code, took, err
		}
	}
}
