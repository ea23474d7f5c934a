package config

import (
	"strings"
	"testing"
	"time"
)

func TestDirectusSettings(t *testing.T) {
	c, err := Load([]string{"DIRECTUS_SECRET=s", "DIRECTUS_TOKENS_ACCEPT_UNTIL=2026-12-01T23:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Directus.Secret != "s" || !c.Directus.Until().Equal(time.Date(2026, 12, 1, 23, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v", c.Directus)
	}
	if c, err := Load(nil); err != nil || c.Directus.Secret != "" || !c.Directus.Until().IsZero() {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	for _, env := range [][]string{
		{"DIRECTUS_SECRET=s", "DIRECTUS_TOKENS_ACCEPT_UNTIL=tomorrow"},
		{"DIRECTUS_TOKENS_ACCEPT_UNTIL=2026-12-01T23:00:00Z"},
	} {
		if _, err := Load(env); err == nil || !strings.Contains(err.Error(), "DIRECTUS_TOKENS_ACCEPT_UNTIL") || strings.Contains(err.Error(), "tomorrow") {
			t.Fatalf("%v: %v", env, err)
		}
	}
}
