package secret

import (
	"fmt"
	"time"
)

// ParseExpiry reads a credential's expiry, as the expires setting and the
// acrgen.dev/expires annotation ([AnnotationExpires]) give it: RFC 3339, or a date (midnight UTC).
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
