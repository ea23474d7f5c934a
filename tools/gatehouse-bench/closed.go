package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"slices"
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

func newRequest(hc *fasthttp.HostClient, base string, c call, header map[string]string) *request {
	r := &request{hc: hc, req: fasthttp.AcquireRequest(), resp: fasthttp.AcquireResponse()}
	r.req.SetRequestURI(base + c.path)
	r.req.Header.SetMethod(c.method)
	for k, v := range header {
		r.req.Header.Set(k, v)
	}
	if c.body != nil {
		r.req.Header.SetContentType("application/json")
		r.req.SetBody(c.body)
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

// closedRun is what a closed-loop run measured: latencies (sorted) and
// answers by status, over a window of the given length.
type closedRun struct {
	lat    []time.Duration
	codes  map[string]int
	window time.Duration
}

// closedLoop runs cfg.c workers and reports the run, with the server's RSS
// sampled over the measured window.
func closedLoop(ctx context.Context, out io.Writer, name string, cfg config, rss *rssSampler, newWorker func(i int) step) error {
	startRSS := make(chan func() uint64, 1)
	sampling := time.AfterFunc(cfg.warmup, func() { startRSS <- rss.start() })
	r := runClosed(ctx, cfg, newWorker)
	var peak uint64
	if !sampling.Stop() {
		peak = (<-startRSS)()
	}
	report(out, name, cfg, uint64(len(r.lat)), r.window, pct(r.lat, 0.50), pct(r.lat, 0.99), pct(r.lat, 1), r.codes)
	rss.print(out, peak)
	return nil
}

// runClosed runs cfg.c workers back to back for cfg.warmup and then cfg.d;
// newWorker(i) returns worker i's step. The requests that complete inside
// the measured window count, and the rate is their number over its length.
func runClosed(ctx context.Context, cfg config, newWorker func(i int) step) closedRun {
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
	r := closedRun{codes: map[string]int{}, window: cfg.d}
	for _, res := range results {
		r.lat = append(r.lat, res.lat...)
		r.codes = merge(r.codes, res.codes)
	}
	slices.Sort(r.lat)
	if ctx.Err() != nil { // interrupted: the window ended early
		r.window = max(0, min(r.window, time.Since(measure)))
	}
	return r
}

// staticWorkers sends the same call from every worker; an answer that
// reports a failure (a GraphQL error comes with 200) counts as one.
func staticWorkers(hc *fasthttp.HostClient, a api, base string, c call, header map[string]string) func(int) step {
	return func(int) step {
		r := newRequest(hc, base, c, header)
		return func() (int, time.Duration, error) {
			code, took, err := r.do()
			if err == nil && code == fasthttp.StatusOK {
				if ferr := a.failure(r.resp.Body()); ferr != nil {
					return 0, took, ferr
				}
			}
			return code, took, err
		}
	}
}

// refreshWorkers: each worker presents the refresh token the previous
// refresh returned, starting from chains[i]. A failed refresh logs the worker
// in again (with relogin), outside the measured requests.
func refreshWorkers(hc *fasthttp.HostClient, a api, base string, chains []string, relogin func() (string, error)) func(int) step {
	return func(i int) step {
		tok := chains[i]
		r := newRequest(hc, base, a.refresh(tok), nil)
		return func() (int, time.Duration, error) {
			r.req.SetBody(a.refresh(tok).body)
			code, took, err := r.do()
			var next string
			if err == nil && code == fasthttp.StatusOK {
				next, err = a.refreshToken(r.resp.Body())
			}
			if next != "" {
				tok = next
			} else if t, lerr := relogin(); lerr == nil {
				tok = t
			}
			if err != nil {
				return 0, took, err
			}
			return code, took, nil
		}
	}
}
