package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// latencyRounds is how many turns each API gets per operation, so drift in
// the machine's speed falls on both alike.
const latencyRounds = 3

// latency compares GraphQL with REST on login and refresh: one worker, one
// request at a time, the two APIs taking turns; it prints each one's p50 and
// p99 and GraphQL's p50 over REST's.
func latency(ctx context.Context, out io.Writer, client *http.Client, cfg config) error {
	hc, err := newHostClient(cfg.url, 2)
	if err != nil {
		return err
	}
	turn := cfg
	turn.c, turn.d, turn.warmup = 1, max(cfg.d/latencyRounds, 1), cfg.warmup/latencyRounds
	relogin := newChain(ctx, client, cfg)
	for _, op := range []string{"login", "refresh"} {
		var runs [2]closedRun
		var workers [2]step
		for i, a := range []api{apiREST, apiGraphQL} {
			if op == "login" {
				workers[i] = staticWorkers(hc, a, cfg.url, a.login(cfg.email, cfg.password), nil)(0)
				continue
			}
			chain, err := relogin()
			if err != nil {
				return err
			}
			workers[i] = refreshWorkers(hc, a, cfg.url, []string{chain}, relogin)(0)
		}
		for range latencyRounds {
			for i := range workers {
				r := runClosed(ctx, turn, func(int) step { return workers[i] })
				runs[i].lat = append(runs[i].lat, r.lat...)
				runs[i].codes = merge(runs[i].codes, r.codes)
				runs[i].window += r.window
			}
		}
		all := turn
		all.d = cfg.d
		for i, a := range []api{apiREST, apiGraphQL} {
			slices.Sort(runs[i].lat)
			report(out, fmt.Sprintf("%s over %s", op, a), all, uint64(len(runs[i].lat)), runs[i].window,
				pct(runs[i].lat, 0.50), pct(runs[i].lat, 0.99), pct(runs[i].lat, 1), runs[i].codes)
		}
		rest, gql := pct(runs[0].lat, 0.50), pct(runs[1].lat, 0.50)
		if rest > 0 {
			fmt.Fprintf(out, "%s: GraphQL ÷ REST p50 = %s ÷ %s = %.2f\n", op, round(gql), round(rest), float64(gql)/float64(rest))
		}
		if op == "login" && rest > 300*time.Millisecond {
			fmt.Fprintln(out, "  (login p50 over 300 ms: mostly the server's LOGIN_STALL_TIME, which hides the difference)")
		}
	}
	return nil
}

// merge adds the counts in from to into (made if nil) and returns it.
func merge(into, from map[string]int) map[string]int {
	if into == nil {
		into = map[string]int{}
	}
	for k, v := range from {
		into[k] += v
	}
	return into
}
