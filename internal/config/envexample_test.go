package config_test

import (
	"bufio"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// notInStruct are variables .env.example may list that Config does not hold:
// read elsewhere (GOMEMLIMIT: the Go runtime and cmd/gatehouse).
var notInStruct = map[string]bool{"GOMEMLIMIT": true}

// TestEnvExampleListsEverySetting keeps .env.example true to Config: every
// variable Config reads is listed, every listed one is read, and a listed
// value equals the envDefault tag where there is one.
func TestEnvExampleListsEverySetting(t *testing.T) {
	vars := map[string]envVar{}
	collectEnv(reflect.TypeOf(config.Config{}), "", vars)
	if len(vars) < 50 {
		t.Fatalf("found only %d variables in config.Config; did the tags change?", len(vars))
	}
	listed := readEnvExample(t, "../../.env.example")
	for name, v := range vars {
		val, ok := listed[name]
		if !ok {
			t.Errorf(".env.example lacks %s (default %q)", name, v.def)
			continue
		}
		if v.hasDef && val != v.def {
			t.Errorf(".env.example says %s=%s, but its default is %q", name, val, v.def)
		}
	}
	for name := range listed {
		base, isFile := strings.CutSuffix(name, "_FILE")
		if _, ok := vars[name]; ok || notInStruct[name] {
			continue
		}
		if _, ok := vars[base]; isFile && ok {
			continue
		}
		t.Errorf(".env.example lists %s, which Gatehouse does not read", name)
	}
}

type envVar struct {
	def    string
	hasDef bool
}

func collectEnv(t reflect.Type, prefix string, out map[string]envVar) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
		if name == "" && f.Type.Kind() == reflect.Struct {
			collectEnv(f.Type, prefix+f.Tag.Get("envPrefix"), out)
			continue
		}
		if name == "" {
			continue
		}
		def, ok := f.Tag.Lookup("envDefault")
		out[prefix+name] = envVar{def: def, hasDef: ok}
	}
}

// readEnvExample returns NAME → value for each `NAME=value` or `#NAME=value` line.
func readEnvExample(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	line := regexp.MustCompile(`^#?([A-Z][A-Z0-9_]*)=(.*)$`)
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := line.FindStringSubmatch(sc.Text()); m != nil {
			if _, dup := out[m[1]]; dup {
				t.Errorf(".env.example lists %s twice", m[1])
			}
			out[m[1]] = m[2]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
