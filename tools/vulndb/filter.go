package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// filter reads `govulncheck -format json` from stdin and exits 3 (as
// govulncheck does) when a vulnerability that the code calls remains after
// dropping the standard-library advisories named in allow; 0 otherwise.
// Only findings whose module is "stdlib" are ever dropped.
func filter(allow []string, stdin io.Reader, stdout io.Writer) int {
	allowed := map[string]bool{}
	for _, id := range allow {
		if id = strings.TrimSpace(id); id != "" {
			allowed[id] = true
		}
	}
	type frame struct {
		Module   string `json:"module"`
		Version  string `json:"version"`
		Package  string `json:"package"`
		Function string `json:"function"`
		Receiver string `json:"receiver"`
	}
	type message struct {
		Finding *struct {
			OSV          string  `json:"osv"`
			FixedVersion string  `json:"fixed_version"`
			Trace        []frame `json:"trace"`
		} `json:"finding"`
	}
	called := map[string]string{} // id → description of one call site
	dropped := map[string]string{}
	dec := json.NewDecoder(stdin)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "vulndb filter: reading govulncheck's JSON:", err)
			return 1
		}
		f := m.Finding
		if f == nil || len(f.Trace) == 0 || f.Trace[0].Function == "" {
			continue // module- or package-level only: govulncheck does not fail on these either
		}
		t := f.Trace[0]
		sym := t.Function
		if t.Receiver != "" {
			sym = t.Receiver + "." + sym
		}
		desc := fmt.Sprintf("%s@%s %s.%s (fixed in %s)", t.Module, t.Version, t.Package, sym, f.FixedVersion)
		if t.Module == "stdlib" && allowed[f.OSV] {
			dropped[f.OSV] = desc
		} else {
			called[f.OSV] = desc
		}
	}
	show := func(title string, m map[string]string) {
		ids := make([]string, 0, len(m))
		for id := range m {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			fmt.Fprintf(stdout, "%s %s: %s\n", title, id, m[id])
		}
	}
	show("allowed (stdlib, see scripts/vulncheck.sh)", dropped)
	show("VULNERABLE", called)
	if len(called) > 0 {
		fmt.Fprintf(stdout, "vulncheck: %d called vulnerabilities (run scripts/vulncheck.sh -show verbose for traces)\n", len(called))
		return 3
	}
	fmt.Fprintf(stdout, "vulncheck: no called vulnerabilities (%d allowed stdlib advisories)\n", len(dropped))
	return 0
}
