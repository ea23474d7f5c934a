package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

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

// print reports the server's RSS now, the sampled peak and VmHWM.
func (s *rssSampler) print(out io.Writer, peak uint64) {
	if s == nil {
		return
	}
	r, h, _ := s.read()
	fmt.Fprintf(out, "  server RSS: now %s, peak sampled %s, VmHWM %s\n", mib(r), mib(peak), mib(h))
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
