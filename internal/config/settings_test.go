package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// garbage is a value no setting of s's type accepts.
func garbage(s setting) string {
	switch s.Type.Kind() {
	case reflect.String, reflect.Slice:
		if s.Secret {
			return "SENSITIVE\x00garbage" // the one character a secret may not hold
		}
		return "SENSITIVE\x01garbage"
	case reflect.Bool, reflect.Pointer:
		return "maybe"
	}
	return "abc" // numbers, durations, sizes
}

// onlyNames checks that err names the variable, and nothing but it: a
// message for PORT must not say DB_PORT (Contains would accept that).
func onlyNames(t *testing.T, env, name string, err error) {
	t.Helper()
	if err == nil {
		t.Errorf("%q: accepted", env)
		return
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if !strings.HasPrefix(line, name+": ") {
			t.Errorf("%q: %q does not start with %s", env, line, name)
		}
	}
}

// Issue 20: each variable, set to garbage in turn, stops the start with an
// error naming it. The variables come from Config itself (by reflection), so
// a new setting is covered the day it is added.
func TestEveryVariableNamedInItsError(t *testing.T) {
	all := settings()
	if len(all) < 100 {
		t.Fatalf("only %d settings found", len(all))
	}
	seen := map[string]bool{}
	for _, s := range all {
		if seen[s.Name] {
			t.Errorf("%s is declared twice", s.Name)
		}
		seen[s.Name] = true
		env := s.Name + "=" + garbage(s)
		_, err := Load([]string{env})
		onlyNames(t, env, s.Name, err)
		if err != nil && strings.Contains(err.Error(), "SENSITIVE") && s.Secret {
			t.Errorf("%s: the error repeats the value: %v", s.Name, err)
		}
	}
	for _, want := range []string{"PORT", "DB_PORT", "REFRESH_TOKEN_COOKIE_SECURE", "SESSION_COOKIE_SECURE", "METRICS_ADDR", "DIRECTUS_SECRET"} {
		if !seen[want] {
			t.Errorf("%s is not enumerated", want)
		}
	}
}

// The two reported cases, as a user wrote them.
func TestWrongVariableNamed(t *testing.T) {
	for env, name := range map[string]string{"PORT=abc": "PORT", "REFRESH_TOKEN_COOKIE_SECURE=maybe": "REFRESH_TOKEN_COOKIE_SECURE",
		"SESSION_COOKIE_SECURE=maybe": "SESSION_COOKIE_SECURE", "DB_PORT=abc": "DB_PORT"} {
		_, err := Load([]string{env})
		onlyNames(t, env, name, err)
	}
}

// Every bound is enforced at start: one step outside each min and max fails,
// naming the variable and the range; the bounds themselves pass.
func TestBoundsEnforcedAtStart(t *testing.T) {
	for _, s := range settings() {
		for _, b := range []struct{ tag, beyond string }{{s.Min, "below"}, {s.Max, "above"}} {
			if b.tag == "" {
				continue
			}
			if _, err := Load(append(related(s, b.tag), s.Name+"="+b.tag)); err != nil {
				t.Errorf("%s=%s (its own bound): %v", s.Name, b.tag, err)
			}
			env := s.Name + "=" + step(s, b.tag, b.beyond == "above")
			_, err := Load(append(related(s, b.tag), env))
			onlyNames(t, env, s.Name, err)
			if err != nil && !strings.Contains(err.Error(), b.tag) {
				t.Errorf("%s: %v does not give the range", env, err)
			}
		}
	}
}

// related sets what a bound needs of other settings to be valid on its own
// (REQUEST_TIMEOUT is longer than every stall).
func related(s setting, tag string) []string {
	if s.Name == "LOGIN_STALL_TIME" || s.Name == "PASSWORD_RESET_STALL_TIME" {
		return []string{"REQUEST_TIMEOUT=1h"}
	}
	if s.Name == "REQUEST_TIMEOUT" {
		return []string{"LOGIN_STALL_TIME=0", "PASSWORD_RESET_STALL_TIME=0"}
	}
	return nil
}

// step returns the value one unit beyond tag: 1ms for durations, 1 otherwise.
func step(s setting, tag string, up bool) string {
	d := int64(1)
	if !up {
		d = -1
	}
	switch s.Type {
	case reflect.TypeFor[Duration](), reflect.TypeFor[Seconds]():
		return fmt.Sprintf("%dms", (int64(s.bound(tag))+d*int64(time.Millisecond))/int64(time.Millisecond))
	}
	return fmt.Sprint(int64(s.bound(tag)) + d)
}

// Issue 20: ACCESS_TOKEN_TTL=900 is 900 ms, below the signer's one second:
// it started, and then every login was a 500. Now it does not start.
func TestBareNumberBelowTheSignersMinimum(t *testing.T) {
	_, err := Load([]string{"ACCESS_TOKEN_TTL=900"})
	onlyNames(t, "ACCESS_TOKEN_TTL=900", "ACCESS_TOKEN_TTL", err)
	if err == nil || !strings.Contains(err.Error(), "between 1s and") || !strings.Contains(err.Error(), "milliseconds") {
		t.Fatalf("message: %v", err)
	}
	if c, err := Load([]string{"ACCESS_TOKEN_TTL=900s"}); err != nil || c.AccessTokenTTL.D() != 15*time.Minute {
		t.Fatalf("900s: %v", err)
	}
}

// Issue 20: the SQLite database lives in DATA_DIR unless DB_FILENAME says
// otherwise, so a volume on DATA_DIR keeps users and keys with the secret.
func TestDatabaseInDataDir(t *testing.T) {
	c, err := Load([]string{"DATA_DIR=/var/lib/gatehouse"})
	if err != nil || c.DB.Filename != "/var/lib/gatehouse/gatehouse.db" {
		t.Fatalf("%v %v", c.DB.Filename, err)
	}
	c, err = Load([]string{"DATA_DIR=/var/lib/gatehouse/", "DB_FILENAME=/elsewhere/g.db"})
	if err != nil || c.DB.Filename != "/elsewhere/g.db" {
		t.Fatalf("%v %v", c.DB.Filename, err)
	}
}

// Values that parse but that the code cannot use.
func TestSectionChecks(t *testing.T) {
	for env, name := range map[string]string{
		"LOG_LEVEL=loud": "LOG_LEVEL", "LOG_STYLE=xml": "LOG_STYLE", "EMAIL_FROM=nobody": "EMAIL_FROM",
		"SESSION_COOKIE_NAME=a b": "SESSION_COOKIE_NAME", "REFRESH_TOKEN_COOKIE_NAME=directus_session_token": "SESSION_COOKIE_NAME",
		"REFRESH_TOKEN_COOKIE_DOMAIN=a;b": "REFRESH_TOKEN_COOKIE_DOMAIN", "PASSWORD_RESET_STALL_TIME=30s": "REQUEST_TIMEOUT",
		"SESSION_COOKIE_SAME_SITE=none": "SESSION_COOKIE_SAME_SITE",
	} {
		_, err := Load([]string{env})
		onlyNames(t, env, name, err)
	}
	for _, env := range [][]string{{"DB_CLIENT=pg", "DB_CONNECTION_STRING=postgres://u:hunter2@h:99999999/db"}, {"DB_CLIENT=pg", "DB_DIRECT_URL=host=a port=x password=hunter2"}} {
		_, err := Load(env)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%v: %v", env, err)
		}
	}
	_, err := Load([]string{"HASH_PARALLELISM=16", "HASH_MEMORY_COST=64"})
	onlyNames(t, "HASH_PARALLELISM=16 HASH_MEMORY_COST=64", "HASH_MEMORY_COST", err)
	for _, env := range [][]string{{"SESSION_COOKIE_SAME_SITE=none", "PUBLIC_URL=https://a.example"}, {"SESSION_COOKIE_SAME_SITE=None", "SESSION_COOKIE_SECURE=true"}} {
		if _, err := Load(env); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
	if c, err := Load([]string{"LOG_STYLE=raw", "EMAIL_FROM=\"Acme\" <no-reply@acme.test>"}); err != nil || c.LogStyle != "json" {
		t.Fatalf("%v", err)
	}
}
