package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// openLoop sends one target at -rate requests per second with vegeta, so a
// server that falls behind faces a growing backlog instead of a slower client.
func openLoop(ctx context.Context, out io.Writer, name string, cfg config, tgt vegeta.Target, rss *rssSampler) error {
	rate := vegeta.Rate{Freq: cfg.rate, Per: time.Second}
	opts := []func(*vegeta.Attacker){
		vegeta.Connections(cfg.c), vegeta.MaxConnections(cfg.c), vegeta.KeepAlive(true),
		vegeta.Timeout(30 * time.Second), vegeta.Redirects(vegeta.NoFollow), vegeta.Workers(uint64(cfg.c)),
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
		codes[statusKey(int(res.Code), res.Error)]++
	}
	close(done)
	m.Close()
	report(out, name, cfg, m.Requests, m.Duration+m.Wait, m.Latencies.P50, m.Latencies.P99, m.Latencies.Max, codes)
	rss.print(out, stopRSS())
	return nil
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
			pcodes[statusKey(int(res.Code), res.Error)]++
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
		codes[statusKey(int(res.Code), res.Error)]++
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
	rss.print(out, peak)
	return nil
}
