// Package browsertest starts a headless Chromium for browser tests (chromedp).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
)

// Candidates are the browser executables looked for, in order (absolute paths or names on PATH).
var Candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of the first browser in Candidates that exists, or "".
func Find() string {
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	return ""
}

// Chromium starts a headless Chromium with a fresh profile and returns a chromedp
// browser context; the browser is shut down when the test ends. Without a browser the
// test is skipped, unless CI=true, where it fails. Install on Debian: apt-get install chromium.
func Chromium(t testing.TB) context.Context {
	t.Helper()
	exe := Find()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browsertest: no Chromium found (install the Debian package chromium)")
		}
		t.Skip("browsertest: no Chromium found (apt-get install chromium); skipping browser test")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
	}
	// chromedp may log from its own goroutines; t.Logf must not be called after the test ends.
	var done atomic.Bool
	logf := func(format string, args ...any) {
		if !done.Load() {
			t.Logf("chromedp: "+format, args...)
		}
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(logf))
	// Start the browser now, so a broken installation fails here with a clear message.
	if err := chromedp.Do(ctx); err != nil {
		done.Store(true)
		cancelCtx()
		cancelAlloc()
		t.Fatalf("browsertest: starting %s: %v", exe, err)
	}
	t.Cleanup(func() {
		done.Store(true)
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}
