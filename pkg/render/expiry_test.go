package render

import (
	"testing"
	"time"
)

func TestParseExpiryWarning(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"30d": 30 * 24 * time.Hour, "720h": 720 * time.Hour, "0": 0, "0d": 0, "1d12h": 36 * time.Hour, "90m": 90 * time.Minute,
	} {
		got, err := ParseExpiryWarning(in)
		if err != nil || got != want {
			t.Errorf("%q: got %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1d", "-720h", "30d-1h", "soon", "30", "30days", "d", "99999999999999999999d", "1d-"} {
		if got, err := ParseExpiryWarning(in); err == nil {
			t.Errorf("%q: got %v, want an error", in, got)
		}
	}
}

func TestCheckExpiry(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	month := 30 * 24 * time.Hour
	for _, c := range []struct {
		value string
		warn  time.Duration
		want  ExpiryState
	}{
		{"", month, ExpiryFine},
		{"2026-06-01T12:00:00Z", month, ExpiryPast}, // expires at this very moment
		{"2026-05-31", month, ExpiryPast},
		{"2026-06-01T12:00:01Z", 0, ExpiryFine}, // warnings off
		{"2026-06-01T12:00:01Z", month, ExpirySoon},
		{"2026-06-30", month, ExpirySoon},
		{"2026-07-02", month, ExpiryFine},
		{"2026-06-10T00:00:00+02:00", month, ExpirySoon},
	} {
		got, err := CheckExpiry(c.value, now, c.warn)
		if err != nil || got != c.want {
			t.Errorf("%q (warn %v): got %v, %v; want %v", c.value, c.warn, got, err, c.want)
		}
	}
	if _, err := CheckExpiry("next year", now, month); err == nil {
		t.Error("an unreadable expiry: want an error")
	}
}
