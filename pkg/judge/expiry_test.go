package judge

import (
	"testing"
	"time"
)

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
