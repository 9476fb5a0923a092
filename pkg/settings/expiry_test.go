package settings

import (
	"testing"
	"time"
)

func TestParseExpiryWarning(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "720h": 720 * time.Hour, "0": 0, "0d": 0, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute,
	} {
		got, err := parseExpiryWarning(in)
		if err != nil || got != want {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1d", "-720h", "30d-1h", "soon", "30", "30days", "d", "99999999999999999999d", "1d-"} {
		if got, err := parseExpiryWarning(in); err == nil {
			t.Errorf("%q: got %v, want an error", in, got)
		}
	}
}
