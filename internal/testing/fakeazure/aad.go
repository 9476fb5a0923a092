package fakeazure

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// aadRoute matches what MSAL asks an authority for when instance discovery is disabled:
// the tenant's OpenID configuration and the v2 token endpoint.
func (s *Server) aadRoute(r *http.Request) *route {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(segs) == 4 && segs[1] == "v2.0" && segs[2] == ".well-known" && segs[3] == "openid-configuration" && r.Method == http.MethodGet:
		tenant := segs[0]
		return &route{op: OpOpenIDConfiguration, api: apiAAD, h: func(w http.ResponseWriter, r *http.Request) { s.openIDConfig(w, tenant) }}
	case len(segs) == 4 && segs[1] == "oauth2" && segs[2] == "v2.0" && segs[3] == "token" && r.Method == http.MethodPost:
		tenant := segs[0]
		return &route{op: OpAADToken, api: apiAAD, h: func(w http.ResponseWriter, r *http.Request) { s.token(w, r, tenant) }}
	}
	return nil
}

func (s *Server) knownTenant(t string) bool {
	return strings.EqualFold(t, s.opts.TenantID) || strings.EqualFold(t, s.opts.SubscriptionTenantID) || t == "organizations" || t == "common"
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{}})
}

func (s *Server) openIDConfig(w http.ResponseWriter, tenant string) {
	if !s.knownTenant(tenant) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", tenant))
		return
	}
	base := s.ts.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"jwks_uri":                              s.ts.URL + "/" + tenant + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"tenant_region_scope":                   nil,
		"cloud_instance_name":                   "fakeazure.invalid",
	})
}

// token serves the client-credentials grant. It accepts the configured caller identity and
// any application in the emulated directory that has a service principal, authenticated
// with one of the application's unexpired passwords.
func (s *Server) token(w http.ResponseWriter, r *http.Request, tenant string) {
	if !strings.EqualFold(tenant, s.opts.TenantID) && !strings.EqualFold(tenant, s.opts.SubscriptionTenantID) {
		writeOAuthError(w, http.StatusBadRequest, "invalid_tenant", fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", tenant))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: malformed request body")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("AADSTS70003: fakeazure supports client_credentials only, not %q", gt))
		return
	}
	clientID, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok && clientID == "" {
		clientID, secret = u, p
	}
	if !s.validClient(clientID, secret) {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	var resource string
	for _, sc := range strings.Fields(r.PostForm.Get("scope")) {
		if res, ok := strings.CutSuffix(sc, "/.default"); ok {
			resource = res
		}
	}
	audience := ""
	switch {
	case resource == "":
		writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "AADSTS70011: a scope ending in /.default is required")
		return
	case sameResource(resource, s.opts.ARMAudience):
		audience = "arm"
	case sameResource(resource, s.GraphAudience()):
		audience = "graph"
	default:
		writeOAuthError(w, http.StatusBadRequest, "invalid_resource",
			fmt.Sprintf("AADSTS500011: The resource principal named %s was not found in the tenant.", resource))
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "fakeazure-" + audience + "-" + hex.EncodeToString(b)
	s.tokens[tok] = issuedToken{audience: audience, clientID: clientID, tenant: strings.ToLower(tenant)}
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type":     "Bearer",
		"expires_in":     3599,
		"ext_expires_in": 3599,
		"access_token":   tok,
	})
}

func sameResource(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(b, "/"))
}

func (s *Server) validClient(clientID, secret string) bool {
	if clientID == "" || secret == "" {
		return false
	}
	if clientID == s.opts.ClientID {
		return secret == s.opts.ClientSecret
	}
	a := s.st.appByAppID(clientID)
	if a == nil || s.st.spByAppID(clientID) == nil {
		return false
	}
	now := s.now()
	for _, pc := range a.Passwords {
		if pc.Secret == secret && now.Before(pc.End) {
			return true
		}
	}
	return false
}
