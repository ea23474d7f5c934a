// Command gatehouse-bench drives load at a running Gatehouse and prints
// req/s, p50, p99 and errors by status. It measures; it never asserts.
//
//	gatehouse-bench -url http://127.0.0.1:8055 -email admin@example.com -password … me
//	gatehouse-bench … -c 16 -d 20s refresh
//	gatehouse-bench … -rate 200 -d 30s -pid $(pidof gatehouse) login-flood
//	gatehouse-bench … ping
//
// Scenarios:
//
//	me           GET /users/me with one bearer token, c workers at full speed
//	refresh      POST /auth/refresh (json); each worker logs in once, then
//	             refreshes its own chain sequentially
//	login        POST /auth/login with the right password, c workers at full speed
//	login-flood  wrong-password logins at -rate req/s while sampling
//	             /server/ping latency and the server's VmRSS/VmHWM (-pid)
//	ping         GET /server/ping, c workers at full speed
//	idle         print the server's VmRSS/VmHWM (-pid) and exit
//
// With -rate 0 (the default) the closed-loop scenarios run c workers back to
// back; with -rate > 0 they are open-loop at that rate.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type config struct {
	url      string
	c        int
	d        time.Duration
	rate     int
	email    string
	password string
	pid      int
	warmup   time.Duration
	pingRate int
	flood    string
}

func main() {
	var cfg config
	flag.StringVar(&cfg.url, "url", "http://127.0.0.1:8055", "base URL of the server")
	flag.IntVar(&cfg.c, "c", 16, "concurrent workers (connections)")
	flag.DurationVar(&cfg.d, "d", 10*time.Second, "duration of the measured run")
	flag.IntVar(&cfg.rate, "rate", 0, "requests per second (0 = closed loop at full speed; login-flood default 200)")
	flag.StringVar(&cfg.email, "email", "admin@example.com", "login email")
	flag.StringVar(&cfg.password, "password", "", "login password")
	flag.IntVar(&cfg.pid, "pid", 0, "server process id, to sample VmRSS/VmHWM from /proc")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "unmeasured warm-up before the run")
	flag.IntVar(&cfg.pingRate, "ping-rate", 20, "login-flood: /server/ping probes per second")
	flag.StringVar(&cfg.flood, "flood-email", "", "login-flood: email to guess at (default: -email; an unknown one costs the same hash)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: gatehouse-bench [flags] me|refresh|login|login-flood|ping|idle\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	cfg.url = strings.TrimRight(cfg.url, "/")
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, flag.Arg(0), cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, scenario string, cfg config, out io.Writer) error {
	if cfg.c < 1 {
		return errors.New("-c must be at least 1")
	}
	client := newClient(cfg.c + cfg.pingRate)
	var rss *rssSampler
	if cfg.pid > 0 {
		rss = &rssSampler{pid: cfg.pid}
		if _, _, err := rss.read(); err != nil {
			return err
		}
	}
	switch scenario {
	case "idle":
		if rss == nil {
			return errors.New("idle needs -pid")
		}
		r, h, _ := rss.read()
		fmt.Fprintf(out, "idle: VmRSS %s, VmHWM %s\n", mib(r), mib(h))
		return nil
	case "me":
		tok, _, err := login(ctx, client, cfg)
		if err != nil {
			return err
		}
		hdr := http.Header{"Authorization": {"Bearer " + tok}}
		tgt := vegeta.Target{Method: http.MethodGet, URL: cfg.url + "/users/me", Header: hdr}
		return attack(ctx, out, "GET /users/me", cfg, tgt, rss)
	case "ping":
		tgt := vegeta.Target{Method: http.MethodGet, URL: cfg.url + "/server/ping"}
		return attack(ctx, out, "GET /server/ping", cfg, tgt, rss)
	case "login":
		body, _ := json.Marshal(map[string]string{"email": cfg.email, "password": cfg.password})
		tgt := vegeta.Target{Method: http.MethodPost, URL: cfg.url + "/auth/login", Body: body,
			Header: http.Header{"Content-Type": {"application/json"}}}
		return attack(ctx, out, "POST /auth/login", cfg, tgt, rss)
	case "refresh":
		return refreshChains(ctx, out, client, cfg, rss)
	case "login-flood":
		return loginFlood(ctx, out, cfg, rss)
	}
	return fmt.Errorf("unknown scenario %q", scenario)
}

// newClient shares one transport sized to the workers, so every worker keeps
// its own keep-alive connection and no run pays for dialing.
func newClient(conns int) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// attack runs one target with vegeta: closed loop with c workers when -rate
// is 0, else open loop at -rate.
func attack(ctx context.Context, out io.Writer, name string, cfg config, tgt vegeta.Target, rss *rssSampler) error {
	rate := vegeta.Rate{Freq: cfg.rate, Per: time.Second}
	opts := []func(*vegeta.Attacker){
		vegeta.Connections(cfg.c), vegeta.MaxConnections(cfg.c), vegeta.KeepAlive(true),
		vegeta.Timeout(30 * time.Second), vegeta.Redirects(vegeta.NoFollow),
	}
	if cfg.rate <= 0 {
		rate = vegeta.Rate{Freq: 0}
		opts = append(opts, vegeta.Workers(uint64(cfg.c)), vegeta.MaxWorkers(uint64(cfg.c)))
	} else {
		opts = append(opts, vegeta.Workers(uint64(cfg.c)))
	}
	targeter := vegeta.NewStaticTargeter(tgt)
	if cfg.warmup > 0 { // an Attacker stops for good after one attack
		for range vegeta.NewAttacker(opts...).Attack(targeter, rate, cfg.warmup, name+" warm-up") {
		}
	}
	atk := vegeta.NewAttacker(opts...)
	var m vegeta.Metrics
	codes := map[string]int{}
	stopRSS := rss.start()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-done:
		}
	}()
	for res := range atk.Attack(targeter, rate, cfg.d, name) {
		m.Add(res)
		countCode(codes, res.Code, res.Error)
	}
	close(done)
	m.Close()
	peak := stopRSS()
	report(out, name, cfg, m.Requests, m.Duration+m.Wait, m.Latencies.P50, m.Latencies.P99, m.Latencies.Max, codes)
	if rss != nil {
		r, h, _ := rss.read()
		fmt.Fprintf(out, "  server RSS: now %s, peak sampled %s, VmHWM %s\n", mib(r), mib(peak), mib(h))
	}
	return nil
}

func countCode(codes map[string]int, code uint16, errText string) {
	switch {
	case code == 0 && errText != "":
		codes["err:"+shortErr(errText)]++
	case code >= 200 && code < 300:
		codes[strconv.Itoa(int(code))]++
	default:
		codes[strconv.Itoa(int(code))]++
	}
}

func shortErr(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	if len(s) > 40 {
		s = s[:40]
	}
	return s
}

func report(out io.Writer, name string, cfg config, n uint64, elapsed, p50, p99, pmax time.Duration, codes map[string]int) {
	rps := 0.0
	if elapsed > 0 {
		rps = float64(n) / elapsed.Seconds()
	}
	mode := fmt.Sprintf("c=%d", cfg.c)
	if cfg.rate > 0 {
		mode = fmt.Sprintf("rate=%d/s c≤%d", cfg.rate, cfg.c)
	}
	fmt.Fprintf(out, "%s  %s  d=%s\n", name, mode, cfg.d)
	fmt.Fprintf(out, "  requests %d  req/s %.1f  p50 %s  p99 %s  max %s\n", n, rps, round(p50), round(p99), round(pmax))
	keys := make([]string, 0, len(codes))
	ok, bad := 0, 0
	for k, v := range codes {
		keys = append(keys, k)
		if strings.HasPrefix(k, "2") {
			ok += v
		} else {
			bad += v
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s×%d", k, codes[k]))
	}
	fmt.Fprintf(out, "  status %s  (ok %d, errors %d)\n", strings.Join(parts, " "), ok, bad)
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// login returns a json-mode access and refresh token.
func login(ctx context.Context, client *http.Client, cfg config) (access, refresh string, err error) {
	body, _ := json.Marshal(map[string]string{"email": cfg.email, "password": cfg.password, "mode": "json"})
	var out struct {
		Data struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		} `json:"data"`
	}
	code, raw, err := postJSON(ctx, client, cfg.url+"/auth/login", body, &out)
	if err != nil {
		return "", "", err
	}
	if code != http.StatusOK || out.Data.Access == "" {
		return "", "", fmt.Errorf("login %s: %d %s", cfg.email, code, raw)
	}
	return out.Data.Access, out.Data.Refresh, nil
}

func postJSON(ctx context.Context, client *http.Client, url string, body []byte, into any) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, err
	}
	if res.StatusCode == http.StatusOK && into != nil {
		if err := json.Unmarshal(raw, into); err != nil {
			return res.StatusCode, raw, err
		}
	}
	return res.StatusCode, raw, nil
}

// refreshChains: each worker logs in once (outside the measured window), then
// refreshes its own chain back to back, always presenting the token the
// previous refresh returned. A failed refresh logs the worker in again.
func refreshChains(ctx context.Context, out io.Writer, client *http.Client, cfg config, rss *rssSampler) error {
	// Log the workers in concurrently: each login waits out the server's
	// login stall, so one after another would take c × 500 ms.
	chains := make([]string, cfg.c)
	errs := make([]error, cfg.c)
	var lwg sync.WaitGroup
	for i := range chains {
		lwg.Go(func() { _, chains[i], errs[i] = login(ctx, client, cfg) })
	}
	lwg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	type result struct {
		lat  []time.Duration
		code map[string]int
	}
	var (
		wg      sync.WaitGroup
		results = make([]result, cfg.c)
		start   = time.Now()
		measure = start.Add(cfg.warmup)
		end     = measure.Add(cfg.d)
	)
	stopRSS := func() uint64 { return 0 }
	var startRSS sync.Once
	for i := range cfg.c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := result{code: map[string]int{}}
			tok := chains[i]
			var parsed struct {
				Data struct {
					Refresh string `json:"refresh_token"`
				} `json:"data"`
			}
			for ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(end) {
					break
				}
				body, _ := json.Marshal(map[string]string{"refresh_token": tok, "mode": "json"})
				parsed.Data.Refresh = ""
				code, _, err := postJSON(ctx, client, cfg.url+"/auth/refresh", body, &parsed)
				lat := time.Since(t0)
				if !t0.Before(measure) {
					startRSS.Do(func() { stopRSS = rss.start() })
					res.lat = append(res.lat, lat)
					if err != nil {
						res.code["err:"+shortErr(err.Error())]++
					} else {
						res.code[strconv.Itoa(code)]++
					}
				}
				if err == nil && code == http.StatusOK && parsed.Data.Refresh != "" {
					tok = parsed.Data.Refresh
					continue
				}
				if _, r, lerr := login(ctx, client, cfg); lerr == nil {
					tok = r
				}
			}
			results[i] = res
		}()
	}
	wg.Wait()
	elapsed := time.Since(measure)
	if elapsed > cfg.d {
		// requests started before end finish after it; count the tail
		elapsed = min(elapsed, cfg.d+time.Second)
	}
	var all []time.Duration
	codes := map[string]int{}
	for _, r := range results {
		all = append(all, r.lat...)
		for k, v := range r.code {
			codes[k] += v
		}
	}
	peak := stopRSS()
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	report(out, "POST /auth/refresh (json, own chain per worker)", cfg, uint64(len(all)), elapsed,
		pct(all, 0.50), pct(all, 0.99), pct(all, 1), codes)
	if rss != nil {
		r, h, _ := rss.read()
		fmt.Fprintf(out, "  server RSS: now %s, peak sampled %s, VmHWM %s\n", mib(r), mib(peak), mib(h))
	}
	return nil
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// loginFlood sends wrong-password logins at a fixed rate (open loop, so a slow
// server faces a growing backlog, as in a real flood), while a separate probe
// measures /server/ping and a sampler reads the server's RSS.
func loginFlood(ctx context.Context, out io.Writer, cfg config, rss *rssSampler) error {
	if cfg.rate <= 0 {
		cfg.rate = 200
	}
	email := cfg.flood
	if email == "" {
		email = cfg.email
	}
	body, _ := json.Marshal(map[string]string{"email": email, "password": "wrong-" + strconv.FormatInt(time.Now().UnixNano(), 36)})
	tgt := vegeta.Target{Method: http.MethodPost, URL: cfg.url + "/auth/login", Body: body,
		Header: http.Header{"Content-Type": {"application/json"}}}
	// Enough workers that the open loop never waits on the server: each
	// request may sit in the stall (LOGIN_STALL_TIME) plus the hash queue.
	workers := uint64(max(cfg.c, cfg.rate*4))
	atk := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.Connections(int(workers)),
		vegeta.MaxConnections(int(workers)), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	probe := vegeta.NewAttacker(vegeta.Workers(4), vegeta.Connections(4), vegeta.KeepAlive(true), vegeta.Timeout(10*time.Second))

	if rss != nil {
		r, h, _ := rss.read()
		fmt.Fprintf(out, "before flood: VmRSS %s, VmHWM %s\n", mib(r), mib(h))
	}
	stopRSS := rss.start()
	var wg sync.WaitGroup
	var pm vegeta.Metrics
	pcodes := map[string]int{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		ping := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: cfg.url + "/server/ping"})
		for res := range probe.Attack(ping, vegeta.Rate{Freq: cfg.pingRate, Per: time.Second}, cfg.d, "ping") {
			pm.Add(res)
			countCode(pcodes, res.Code, res.Error)
		}
	}()
	go func() {
		<-ctx.Done()
		atk.Stop()
		probe.Stop()
	}()
	var m vegeta.Metrics
	codes := map[string]int{}
	for res := range atk.Attack(vegeta.NewStaticTargeter(tgt), vegeta.Rate{Freq: cfg.rate, Per: time.Second}, cfg.d, "flood") {
		m.Add(res)
		countCode(codes, res.Code, res.Error)
	}
	wg.Wait()
	m.Close()
	pm.Close()
	peak := stopRSS()
	report(out, "POST /auth/login (wrong password flood)", cfg, m.Requests, m.Duration+m.Wait,
		m.Latencies.P50, m.Latencies.P99, m.Latencies.Max, codes)
	pingCfg := cfg
	pingCfg.rate = cfg.pingRate
	pingCfg.c = 4
	report(out, "GET /server/ping during the flood", pingCfg, pm.Requests, pm.Duration+pm.Wait,
		pm.Latencies.P50, pm.Latencies.P99, pm.Latencies.Max, pcodes)
	if rss != nil {
		r, h, _ := rss.read()
		fmt.Fprintf(out, "  server RSS: now %s, peak sampled %s, VmHWM %s\n", mib(r), mib(peak), mib(h))
	}
	return nil
}

// rssSampler reads /proc/<pid>/status; a nil sampler does nothing.
type rssSampler struct{ pid int }

func (s *rssSampler) read() (rss, hwm uint64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read server RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.ParseUint(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			rss = v << 10
		case "VmHWM:":
			hwm = v << 10
		}
	}
	return rss, hwm, nil
}

// start samples every 50 ms; the returned func stops and gives the peak.
func (s *rssSampler) start() func() uint64 {
	if s == nil {
		return func() uint64 { return 0 }
	}
	stop := make(chan struct{})
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if r, _, err := s.read(); err == nil {
				mu.Lock()
				peak = max(peak, r)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		<-done
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
