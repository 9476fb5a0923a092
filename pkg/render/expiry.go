package render

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// DefaultExpiryWarning is how long before a credential expires acrgen starts to warn.
const DefaultExpiryWarning = 30 * 24 * time.Hour

var daysRe = regexp.MustCompile(`^(\d+)d(.*)$`)

// ParseExpiryWarning reads a warning window: a number of days ("30d"), a Go duration
// ("720h", "1d12h" mixes them), or "0", which turns the warning off. Negative and unreadable
// values are errors.
func ParseExpiryWarning(s string) (time.Duration, error) {
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
