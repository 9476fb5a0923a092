package provision

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// ErrPolicy marks a password that the tenant's app management policy refused. The error text
// says which restriction refused it and what to do.
var ErrPolicy = errors.New("refused by the tenant's app management policy")

// lifetimeCode is Graph's answer to a password whose endDateTime exceeds the lifetime an app
// management policy allows (restrictionType passwordLifetime); its message names the policy,
// "Credential lifetime exceeds the max value allowed as per assigned policy '<id>'"
// (Azure/azure-cli#28522, reference/azure.md §9.4).
const lifetimeCode = "CredentialInvalidLifetimeAsPerAppPolicy"

// isoDuration finds an ISO 8601 duration such as P90D or P1Y, the form policies state
// maxLifetime in (Graph passwordCredentialConfiguration), should a message quote the cap.
var isoDuration = regexp.MustCompile(`\bP(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?\b`)

// passwordRefused turns Graph's refusal of addPassword under an app management policy into
// an [ErrPolicy] error that names the restriction and the way out; other errors are returned
// as they are. Everything made before the password (application, service principal, role
// assignment) stays, and a rerun finds it and only adds the password.
func (r *run) passwordRefused(err error) error {
	st, code := statusOf(err)
	if st != http.StatusBadRequest {
		return err
	}
	msg := errorText(err)
	again := "the service principal and its role are in place: rerunning the same command with that change only adds the password"
	switch {
	case code == lifetimeCode:
		limit := "a maximum lifetime"
		if d := isoDuration.FindString(msg); len(d) > 1 {
			limit = "a maximum lifetime of " + d
		}
		return fmt.Errorf("%w: %w: the tenant's app management policy sets %s for passwords (restriction passwordLifetime): "+
			"pass a shorter --end-date or --years within it; %s", err, ErrPolicy, limit, again)
	case strings.HasSuffix(code, "AsPerAppPolicy") || strings.Contains(strings.ToLower(msg), "as per assigned policy"):
		return fmt.Errorf("%w: %w: the tenant's app management policy blocks new passwords on this application (restriction passwordAddition): "+
			"use a repository-scoped token instead (--credential token), or ask an administrator to exempt the application", err, ErrPolicy)
	}
	return err
}
