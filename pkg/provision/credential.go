package provision

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CredentialID names one password of one registry credential: a service principal's password
// (its application's appId and the password's keyId) or a password slot of a repository-scoped
// token (the registry's login server, the token name and password1 or password2). acrgen
// records it on every Secret it renders from provision (secret.AnnotationCredential), in
// plaintext, so that retiring old passwords can keep every one the tree holds. It is no secret.
// The zero value names nothing.
type CredentialID struct {
	Kind CredentialKind
	// AppID and KeyID name a service principal's password.
	AppID, KeyID string
	// LoginServer, TokenName and Slot name a token password.
	LoginServer, TokenName, Slot string
}

// IsZero reports whether id names nothing.
func (id CredentialID) IsZero() bool { return id == CredentialID{} }

// String is the annotation's value: "sp/APPID/KEYID" or "token/LOGINSERVER/TOKEN/SLOT".
func (id CredentialID) String() string {
	switch id.Kind {
	case CredentialServicePrincipal:
		return "sp/" + id.AppID + "/" + id.KeyID
	case CredentialToken:
		return "token/" + id.LoginServer + "/" + id.TokenName + "/" + id.Slot
	}
	return ""
}

// ParseCredentialID reads the value [CredentialID.String] writes.
func ParseCredentialID(s string) (CredentialID, error) {
	parts := strings.Split(s, "/")
	bad := fmt.Errorf("%q is not a credential acrgen records: want sp/APPID/KEYID or token/LOGINSERVER/TOKEN/password1|password2", s)
	for _, p := range parts {
		if p == "" {
			return CredentialID{}, bad
		}
	}
	switch {
	case len(parts) == 3 && parts[0] == "sp" && isGUID(parts[1]) && isGUID(parts[2]):
		return CredentialID{Kind: CredentialServicePrincipal, AppID: strings.ToLower(parts[1]), KeyID: strings.ToLower(parts[2])}, nil
	case len(parts) == 4 && parts[0] == "token" && tokenNameRE.MatchString(parts[2]) && slices.Contains([]string{"password1", "password2"}, parts[3]):
		return CredentialID{Kind: CredentialToken, LoginServer: strings.ToLower(parts[1]), TokenName: parts[2], Slot: parts[3]}, nil
	}
	return CredentialID{}, bad
}

// Recorded is a pull Secret of the tree and the credential it records.
type Recorded struct {
	// Where names the Secret for messages (its file and namespace).
	Where string
	// Registries are the login servers the Secret holds credentials for.
	Registries []string
	// ID is the credential it records; zero when it records none (rendered by hand, or
	// before acrgen recorded credentials).
	ID CredentialID
	// Since is when the Secret began to record ID where the cluster applies it from: the
	// commit time of the last commit of the checked-out branch that changed its file, or the
	// current time when the file differs from that commit (not committed yet). Zero when
	// unknown (no git history): Retire's grace then counts from the password's creation.
	Since time.Time
}

// serves reports whether the Secret holds credentials for loginServer.
func (r Recorded) serves(loginServer string) bool {
	return slices.ContainsFunc(r.Registries, func(s string) bool { return strings.EqualFold(s, loginServer) })
}
