package fakeazure

import (
	"net/http"
	"time"
)

// AppPolicy is the tenant's default app management policy on password credentials
// (Graph tenantAppManagementPolicy, passwordCredentialConfiguration:
// learn.microsoft.com/graph/api/resources/passwordcredentialconfiguration): restriction
// passwordLifetime caps a new password's lifetime (maxLifetime), restriction passwordAddition
// blocks new passwords altogether ("Restrict password usage on Microsoft Entra apps",
// learn.microsoft.com/entra/identity/enterprise-apps/block-password-addition).
type AppPolicy struct {
	// MaxPasswordLifetime, when non-zero, refuses a password living longer.
	MaxPasswordLifetime time.Duration
	// BlockPasswords refuses every new password.
	BlockPasswords bool
}

// The policy's identifier in error messages.
const appPolicyID = "00000000-0000-0000-0000-00000000a99d"

// SetAppPolicy sets the tenant's app management policy for passwords added from now on.
func (s *Server) SetAppPolicy(p AppPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
}

// refusePassword answers addPassword as Graph does under the policy, and reports whether it
// did. The lifetime refusal is documented: 400 CredentialInvalidLifetimeAsPerAppPolicy,
// "Credential lifetime exceeds the max value allowed as per assigned policy '<id>'"
// (Azure/azure-cli#28522, reference/azure.md §9.4). The code of the passwordAddition refusal
// was not found in Microsoft's documentation: the emulator answers 400 with a code in the same
// family and a message naming the policy, UNVERIFIED against Azure.
func (s *Server) refusePassword(w http.ResponseWriter, start, end time.Time) bool {
	switch p := s.policy; {
	case p.BlockPasswords:
		writeError(w, http.StatusBadRequest, "CredentialTypeNotAllowedAsPerAppPolicy",
			"Password credentials are not allowed as per assigned policy '"+appPolicyID+"'.")
		return true
	case p.MaxPasswordLifetime > 0 && end.Sub(start) > p.MaxPasswordLifetime:
		writeError(w, http.StatusBadRequest, "CredentialInvalidLifetimeAsPerAppPolicy",
			"Credential lifetime exceeds the max value allowed as per assigned policy '"+appPolicyID+"'.")
		return true
	}
	return false
}
