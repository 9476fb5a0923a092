package judge

import (
	"time"

	"github.com/acrgen/acrgen/pkg/settings"
)

// ExpiryState is where a credential stands with respect to its expiry.
type ExpiryState int

const (
	// ExpiryFine is a credential with no recorded expiry, or one further away than the
	// warning window.
	ExpiryFine ExpiryState = iota
	// ExpirySoon is a credential that expires within the warning window.
	ExpirySoon
	// ExpiryPast is a credential that has expired.
	ExpiryPast
)

// CheckExpiry says where a credential whose acrgen.dev/expires annotation reads value stands
// at now, warning for the window before it expires (zero: no warning). An empty value is
// ExpiryFine; one that is not a time ParseExpiry reads is an error.
func CheckExpiry(value string, now time.Time, warn time.Duration) (ExpiryState, error) {
	if value == "" {
		return ExpiryFine, nil
	}
	t, err := settings.ParseExpiry(value)
	if err != nil {
		return ExpiryFine, err
	}
	switch {
	case !now.Before(t):
		return ExpiryPast, nil
	case warn > 0 && now.Add(warn).After(t):
		return ExpirySoon, nil
	}
	return ExpiryFine, nil
}
