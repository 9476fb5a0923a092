package provision

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
)

// Errors a caller can branch on with [errors.Is].
var (
	// ErrInvalidOptions marks a usage problem: a missing, contradictory or malformed option.
	ErrInvalidOptions = errors.New("invalid options")
	// ErrNotFound marks a registry or service principal that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAmbiguous marks a name that matches several objects (registries or applications).
	ErrAmbiguous = errors.New("ambiguous name")
	// ErrForbidden marks a call Azure refused for lack of permission; the error text names
	// the permission that is missing.
	ErrForbidden = errors.New("forbidden")
)

// Permissions named by forbidden errors.
const (
	needRoleAssignmentWrite = "Microsoft.Authorization/roleAssignments/write on the registry scope " +
		"(Owner, User Access Administrator or Role Based Access Control Administrator on the registry)"
	needRoleRead     = "Microsoft.Authorization/roleAssignments/read and roleDefinitions/read on the registry scope (Reader or any role above)"
	needRegistryRead = "Microsoft.ContainerRegistry/registries/read in the subscription or resource group (Reader or any role above)"
	needTokenWrite   = "Microsoft.ContainerRegistry/registries/scopeMaps/write, tokens/write and generateCredentials/action " +
		"(Owner, Contributor or Container Registry Contributor and Data Access Configuration Administrator on the registry)"
	needGraphRead  = "Microsoft Graph Application.Read.All (or Directory.Read.All) to look up applications and service principals"
	needGraphWrite = "Microsoft Graph Application.ReadWrite.All (or Application.ReadWrite.OwnedBy, or the directory role " +
		"Application Administrator / a user allowed to register applications) to create applications, service principals and passwords"
)

// apiError summarizes an Azure error response as status, code and message: it never carries
// request bodies or headers. It unwraps to the SDK's *azcore.ResponseError.
type apiError struct {
	status     int
	code       string
	message    string
	need       string // the missing permission, for 403
	retries    int    // how many times the SDK may have retried a retriable status
	retryAfter string // the Retry-After header of a 429 or 503
	err        error
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Azure answered %d", e.status)
	if e.code != "" {
		fmt.Fprintf(&b, " %s", e.code)
	}
	if e.retryAfter != "" {
		fmt.Fprintf(&b, " (Retry-After %s)", e.retryAfter)
	}
	if e.retries > 0 {
		fmt.Fprintf(&b, " after up to %d retries", e.retries)
	}
	if e.message != "" {
		fmt.Fprintf(&b, ": %s", e.message)
	}
	if e.status == http.StatusForbidden && e.need != "" {
		fmt.Fprintf(&b, "; the caller needs %s", e.need)
	}
	return b.String()
}

func (e *apiError) Unwrap() error { return e.err }

func (e *apiError) Is(target error) bool {
	return target == ErrForbidden && e.status == http.StatusForbidden
}

// retriable reports whether azcore's retry policy retries this status by default.
func retriable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// summarize turns an SDK error into an [apiError] when it is an Azure error response; other
// errors (transport, context, authentication) are returned unchanged. need names the
// permission the call requires, for a 403.
func (r *run) summarize(err error, need string) error {
	var ae *apiError
	if errors.As(err, &ae) {
		return err // summarized already
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return err
	}
	e := &apiError{status: re.StatusCode, code: re.ErrorCode, need: need, err: err}
	if re.RawResponse != nil {
		if body, perr := runtime.Payload(re.RawResponse); perr == nil {
			e.message = errorMessage(body)
		}
		e.retryAfter = re.RawResponse.Header.Get("Retry-After")
	}
	if retriable(re.StatusCode) {
		e.retries = int(r.retry.MaxRetries)
	}
	return e
}

// errorMessage extracts error.message (ARM and Graph) from an error body.
func errorMessage(body []byte) string {
	var v struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
		ODataError struct {
			Message struct {
				Value string `json:"value"`
			} `json:"message"`
		} `json:"odata.error"`
	}
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	m := v.Error.Message
	if m == "" {
		m = v.ODataError.Message.Value
	}
	m = strings.Join(strings.Fields(m), " ")
	if len(m) > 400 {
		m = m[:400] + "..."
	}
	return strings.TrimRight(m, ".")
}

// statusOf returns the HTTP status and error code of an Azure error response, or 0.
func statusOf(err error) (int, string) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode, re.ErrorCode
	}
	return 0, ""
}
