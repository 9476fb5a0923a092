package settings

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// defaultExpiryWarning is how long before a credential expires acrgen starts to warn.
const defaultExpiryWarning = 30 * 24 * time.Hour

var daysRe = regexp.MustCompile(`^(\d+)d(.*)$`)

// parseExpiryWarning reads a warning window: a number of days ("30d"), a Go duration
// ("720h", "1d12h" mixes them), or "0", which turns the warning off. Negative and unreadable
// values are errors.
func parseExpiryWarning(s string) (time.Duration, error) {
	bad := fmt.Errorf("%q: want a number of days (30d), hours (720h), or 0 to turn the warning off", s)
	var d time.Duration
	rest := s
	if m := daysRe.FindStringSubmatch(s); m != nil {
		days, err := strconv.Atoi(m[1])
		if err != nil || days > 100*365 {
			return 0, bad
		}
		d, rest = time.Duration(days)*24*time.Hour, m[2]
		if rest == "" {
			return d, nil
		}
	}
	more, err := time.ParseDuration(rest)
	if err != nil || more < 0 {
		return 0, bad
	}
	return d + more, nil
}

// ParseExpiry reads a credential's expiry, as the expires setting and the acrgen.dev/expires
// annotation (secret.AnnotationExpires) give it: RFC 3339, or a date (midnight UTC).
func ParseExpiry(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("expiry %q: %s", s, expiryFormats)
}

// expiryFormats says what ParseExpiry reads.
const expiryFormats = "want RFC 3339 (2027-01-31T00:00:00Z) or YYYY-MM-DD"
