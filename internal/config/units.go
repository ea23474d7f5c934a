package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration parses Directus's `ms`-style strings ("500ms", "10s", "15m", "7d");
// a bare number means milliseconds, as Directus's `expires` reads it.
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalText implements encoding.TextUnmarshaler for the env parser.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour, "weeks": 7 * 24 * time.Hour,
}

// ParseDuration reads an `ms`-style duration.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	num, unit := splitNumber(s)
	if num == "" {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 500ms, 10s, 15m, 7d)", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a duration (use e.g. 500ms, 10s, 15m, 7d)", s)
	}
	mult := time.Millisecond
	if unit != "" {
		m, ok := durationUnits[strings.TrimSpace(unit)]
		if !ok {
			return 0, fmt.Errorf("%q has an unknown unit %q", s, unit)
		}
		mult = m
	}
	v := f * float64(mult)
	if v > float64(1<<62) {
		return 0, fmt.Errorf("%q is too long", s)
	}
	return time.Duration(v), nil
}

// ByteSize parses sizes such as "1mb", "512kb" or a bare number of bytes.
type ByteSize int64

// UnmarshalText implements encoding.TextUnmarshaler for the env parser.
func (b *ByteSize) UnmarshalText(t []byte) error {
	s := strings.TrimSpace(strings.ToLower(string(t)))
	num, unit := splitNumber(s)
	f, err := strconv.ParseFloat(num, 64)
	if num == "" || err != nil || f < 0 {
		return fmt.Errorf("%q is not a size (use e.g. 1mb, 100kb)", s)
	}
	mult := map[string]float64{"": 1, "b": 1, "kb": 1 << 10, "mb": 1 << 20, "gb": 1 << 30}[strings.TrimSpace(unit)]
	if mult == 0 {
		return fmt.Errorf("%q has an unknown unit %q", s, unit)
	}
	if f*mult > float64(1<<62) {
		return fmt.Errorf("%q is too large", s)
	}
	*b = ByteSize(f * mult)
	return nil
}

func splitNumber(s string) (num, unit string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	return s[:i], s[i:]
}
