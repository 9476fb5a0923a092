package fakeazure

import (
	"net/http"
	"strconv"
	"time"
)

// Op names an emulated operation, for the call log and for [Fault].
type Op string

// The emulated operations.
const (
	OpOpenIDConfiguration Op = "aad.openidConfiguration"
	OpAADToken            Op = "aad.token"

	OpListRegistries      Op = "arm.registries.list"
	OpGetRegistry         Op = "arm.registries.get"
	OpGenerateCredentials Op = "arm.registries.generateCredentials"
	OpGetScopeMap         Op = "arm.scopeMaps.get"
	OpPutScopeMap         Op = "arm.scopeMaps.put"
	OpPatchScopeMap       Op = "arm.scopeMaps.patch"
	OpGetACRToken         Op = "arm.tokens.get"
	OpPutACRToken         Op = "arm.tokens.put"
	OpPatchACRToken       Op = "arm.tokens.patch"

	OpListRoleDefinitions  Op = "arm.roleDefinitions.list"
	OpGetRoleDefinition    Op = "arm.roleDefinitions.get"
	OpListRoleAssignments  Op = "arm.roleAssignments.list"
	OpGetRoleAssignment    Op = "arm.roleAssignments.get"
	OpCreateRoleAssignment Op = "arm.roleAssignments.create"
	OpDeleteRoleAssignment Op = "arm.roleAssignments.delete"

	OpListApplications       Op = "graph.applications.list"
	OpGetApplication         Op = "graph.applications.get"
	OpCreateApplication      Op = "graph.applications.create"
	OpUpsertApplication      Op = "graph.applications.upsert"
	OpAddPassword            Op = "graph.applications.addPassword"
	OpRemovePassword         Op = "graph.applications.removePassword"
	OpListServicePrincipals  Op = "graph.servicePrincipals.list"
	OpGetServicePrincipal    Op = "graph.servicePrincipals.get"
	OpCreateServicePrincipal Op = "graph.servicePrincipals.create"
	OpUpsertServicePrincipal Op = "graph.servicePrincipals.upsert"
)

// Fault makes calls to one operation fail before they have any effect.
type Fault struct {
	// Op is the operation to fail.
	Op Op
	// Status is the HTTP status to answer, e.g. 403, 429 or 503.
	Status int
	// Code and Message go into the error body. Empty means a realistic default for the
	// status and the API (ARM or Graph).
	Code, Message string
	// RetryAfter, when non-zero, is sent as Retry-After (whole seconds) or, when it is not a
	// whole number of seconds, as retry-after-ms.
	RetryAfter time.Duration
	// Times is how many calls fail; zero means every call until [Server.ClearFaults].
	Times int
}

type faultState struct {
	Fault
	used int
}

// Inject adds a fault. Faults are matched in the order they were added; the first one for
// the call's operation that has calls left is used.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// SetReplicationDelay makes every application and service principal created from now on
// invisible to the next n calls that depend on it, as Entra's replication lag does: Graph
// reads of it answer 404 and list results omit it, creating a service principal for a new
// application answers 400 "does not reference a valid application object", adding a password
// to a new application answers 404, and ARM role assignments for a new service principal
// answer 400 PrincipalNotFound. Zero turns the delay off.
func (s *Server) SetReplicationDelay(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replDelay = n
}

// takeFault returns the fault for op, if any, and counts its use. Callers hold s.mu.
func (s *Server) takeFault(op Op) *Fault {
	for _, f := range s.faults {
		if f.Op != op {
			continue
		}
		if f.Times > 0 && f.used >= f.Times {
			continue
		}
		f.used++
		ff := f.Fault
		return &ff
	}
	return nil
}

func writeFault(w http.ResponseWriter, f *Fault, graph bool) {
	code, msg := f.Code, f.Message
	if code == "" || msg == "" {
		dc, dm := defaultFault(f.Status, graph)
		if code == "" {
			code = dc
		}
		if msg == "" {
			msg = dm
		}
	}
	if f.RetryAfter > 0 {
		if f.RetryAfter%time.Second == 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(f.RetryAfter/time.Second)))
		} else {
			w.Header().Set("retry-after-ms", strconv.FormatInt(f.RetryAfter.Milliseconds(), 10))
		}
	}
	writeError(w, f.Status, code, msg)
}

func defaultFault(status int, graph bool) (code, msg string) {
	switch {
	case status == http.StatusForbidden && graph:
		return "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
	case status == http.StatusForbidden:
		return "AuthorizationFailed", "The client does not have authorization to perform this action over this scope or the scope is invalid."
	case status == http.StatusTooManyRequests && graph:
		return "TooManyRequests", "Too many requests. Please try again later."
	case status == http.StatusTooManyRequests:
		return "TooManyRequests", "The request is being throttled."
	case status >= 500 && graph:
		return "generalException", "An internal server error occurred (fakeazure injected fault)."
	case status >= 500:
		return "InternalServerError", "An internal server error occurred (fakeazure injected fault)."
	default:
		return http.StatusText(status), "fakeazure injected fault"
	}
}
