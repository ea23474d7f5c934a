package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// statusKey is how a response is counted: its status code, or "err:" and
// the end of the error when none came back.
func statusKey(code int, errText string) string {
	if code == 0 && errText != "" {
		return "err:" + shortErr(errText)
	}
	return strconv.Itoa(code)
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

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
