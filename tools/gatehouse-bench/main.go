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
//	latency      login and refresh from one worker, REST and GraphQL taking
//	             turns, and GraphQL's p50 over REST's (run it against a
//	             server with LOGIN_STALL_TIME=0, or login's latency is mostly
//	             the stall)
//
// With -api graphql, me, login and refresh go to /graphql (the me query and
// the login and refresh mutations) instead of Directus's REST routes; a
// GraphQL error, which comes with status 200, counts as an error.
//
// With -rate 0 (the default) the closed-loop scenarios run c workers back to
// back over fasthttp's client, the cheapest in CPU per request; with -rate > 0
// they are open-loop at that rate, with vegeta (as is login-flood).
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
	api      api
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
	apiName := flag.String("api", "rest", "me, login, refresh: rest (Directus's routes) or graphql (/graphql)")
	flag.StringVar(&cfg.flood, "flood-email", "", "login-flood: email to guess at (default: -email; an unknown one costs the same hash)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: gatehouse-bench [flags] me|refresh|login|login-flood|ping|idle|latency\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	cfg.url = strings.TrimRight(cfg.url, "/")
	var err error
	if cfg.api, err = parseAPI(*apiName); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse-bench:", err)
		os.Exit(2)
	}
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
	if cfg.api == "" {
		cfg.api = apiREST
	}
	if cfg.api == apiGraphQL && cfg.rate > 0 {
		// vegeta would count a GraphQL error, answered with 200, as a success.
		return errors.New("-api graphql runs closed loop only (-rate 0)")
	}
	client := newClient(cfg.c) // for the logins that set up me and refresh
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
		return load(ctx, out, cfg.api.name("GET /users/me", "me"), cfg, rss, cfg.api.me(), map[string]string{"Authorization": "Bearer " + tok})
	case "login":
		return load(ctx, out, cfg.api.name("POST /auth/login", "login"), cfg, rss, cfg.api.login(cfg.email, cfg.password), nil)
	case "refresh":
		return refreshChains(ctx, out, client, cfg, rss)
	case "latency":
		return latency(ctx, out, client, cfg)
	}
	if cfg.api != apiREST {
		return fmt.Errorf("-api %s: %s speaks REST only", cfg.api, scenario)
	}
	switch scenario {
	case "ping":
		return load(ctx, out, "GET /server/ping", cfg, rss, call{http.MethodGet, "/server/ping", nil}, nil)
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

// load sends one request over and over: closed loop with c workers when
// -rate is 0, else open loop at -rate.
func load(ctx context.Context, out io.Writer, name string, cfg config, rss *rssSampler, c call, header map[string]string) error {
	if cfg.rate > 0 {
		tgt := vegeta.Target{Method: c.method, URL: cfg.url + c.path, Body: c.body, Header: http.Header{}}
		for k, v := range header {
			tgt.Header.Set(k, v)
		}
		if c.body != nil {
			tgt.Header.Set("Content-Type", "application/json")
		}
		return openLoop(ctx, out, name, cfg, tgt, rss)
	}
	hc, err := newHostClient(cfg.url, cfg.c)
	if err != nil {
		return err
	}
	return closedLoop(ctx, out, name, cfg, rss, staticWorkers(hc, cfg.api, cfg.url, c, header))
}

// refreshChains: each worker logs in once (outside the measured window), then
// refreshes its own chain back to back. Refresh is always closed loop: a
// chain's next token exists only once the previous refresh has answered.
func refreshChains(ctx context.Context, out io.Writer, client *http.Client, cfg config, rss *rssSampler) error {
	hc, err := newHostClient(cfg.url, cfg.c)
	if err != nil {
		return err
	}
	// Log the workers in concurrently: each login waits out the server's
	// login stall, so one after another would take c × 500 ms.
	relogin := newChain(ctx, client, cfg)
	chains := make([]string, cfg.c)
	errs := make([]error, cfg.c)
	var wg sync.WaitGroup
	for i := range chains {
		wg.Go(func() { chains[i], errs[i] = relogin() })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	name := cfg.api.name("POST /auth/refresh (json, own chain per worker)", "refresh (own chain per worker)")
	return closedLoop(ctx, out, name, cfg, rss, refreshWorkers(hc, cfg.api, cfg.url, chains, relogin))
}

// newChain returns a func that logs in afresh and gives the refresh token
// that starts a new chain.
func newChain(ctx context.Context, client *http.Client, cfg config) func() (string, error) {
	return func() (string, error) {
		_, r, err := login(ctx, client, cfg)
		return r, err
	}
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
