package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// commit may be set at link time (-ldflags "-X main.commit=…") for builds
// without VCS stamping (-buildvcs=false, a source archive).
var commit string

// versionString is what --version prints: the module version, the commit
// (from the build's VCS stamp) and the Go toolchain.
func versionString() string {
	version, rev, modified := "(devel)", commit, false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		rev = "unknown"
	} else if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += " (modified)"
	}
	return fmt.Sprintf("gatehouse %s, commit %s, %s", version, rev, runtime.Version())
}
