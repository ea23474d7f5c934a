package ratelimit

import (
	"math"
	"strconv"
)

// FormatMS formats milliseconds as the `ms` package's short form does
// ("59s", "2m", "500ms"), which Directus uses in its 429 message.
func FormatMS(ms int64) string {
	abs := ms
	if abs < 0 {
		abs = -abs
	}
	round := func(unit int64) string {
		return strconv.FormatInt(int64(math.Floor(float64(ms)/float64(unit)+0.5)), 10)
	}
	switch {
	case abs >= 86_400_000:
		return round(86_400_000) + "d"
	case abs >= 3_600_000:
		return round(3_600_000) + "h"
	case abs >= 60_000:
		return round(60_000) + "m"
	case abs >= 1000:
		return round(1000) + "s"
	}
	return strconv.FormatInt(ms, 10) + "ms"
}
