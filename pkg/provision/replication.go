package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// replicated calls call until it succeeds or fails with an error lagging does not explain.
// While lagging(err), it waits with exponential backoff (Replication.Delay doubling up to
// MaxDelay), reporting each wait, until Replication.Timeout of waiting is used up. Replication
// delay is not retried by azcore's policy (it is a 400 or 404), and only the calls that
// follow a creation need it, so it is an outer loop here.
func (r *run) replicated(ctx context.Context, call func() error, lagging func(error) bool) error {
	delay := r.repl.Delay
	var waited time.Duration
	for {
		err := call()
		if err == nil || !lagging(err) {
			return err
		}
		if waited+delay > r.repl.Timeout {
			return fmt.Errorf("directory replication did not complete after waiting %s: %w", waited, r.summarize(err, ""))
		}
		r.step("waiting for directory replication, %s", delay)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		waited += delay
		delay = min(2*delay, r.repl.MaxDelay)
	}
}

// errorText returns the error message of an Azure error response, or "".
func errorText(err error) string {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil {
		return ""
	}
	b, perr := runtime.Payload(re.RawResponse)
	if perr != nil {
		return ""
	}
	return errorMessage(b)
}

// principalNotFound is ARM's answer to a role assignment for a principal it cannot see yet.
func principalNotFound(err error) bool {
	st, code := statusOf(err)
	return st == http.StatusBadRequest && code == "PrincipalNotFound"
}

// graphNotFound is Graph's answer to a read of an object that has not replicated.
func graphNotFound(err error) bool {
	st, _ := statusOf(err)
	return st == http.StatusNotFound
}

// appNotReplicated is Graph's answer to creating a service principal for an application
// that has not replicated yet.
func appNotReplicated(err error) bool {
	st, _ := statusOf(err)
	if st == http.StatusNotFound {
		return true
	}
	if st != http.StatusBadRequest {
		return false
	}
	msg := errorText(err)
	return strings.Contains(msg, "does not reference a valid application object") ||
		strings.Contains(msg, " does not exist ") ||
		strings.Contains(msg, "must in the local tenant")
}
