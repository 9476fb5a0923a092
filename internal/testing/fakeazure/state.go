package fakeazure

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Registry is an emulated container registry.
type Registry struct {
	// ResourceGroup is the registry's resource group. Empty means "acrgen-demo".
	ResourceGroup string
	// Name is the registry name.
	Name string
	// LoginServer is the registry's login server. Empty means Name plus the ACR suffix,
	// lowercased. Setting it to something else (a domain-name label) proves callers read it.
	LoginServer string
	// Location is the Azure region. Empty means "westeurope".
	Location string
	// ID is the ARM resource ID; it is set by the server.
	ID string
	// RoleAssignmentMode is RoleModeLegacy (empty) or RoleModeABAC.
	RoleAssignmentMode string
}

// A registry's role assignment permissions mode, properties.roleAssignmentMode (TypeSpec
// RoleAssignmentMode, azure-rest-api-specs Microsoft.ContainerRegistry/Registry/Registry.models.tsp;
// its default is LegacyRegistryPermissions).
const (
	RoleModeLegacy = "LegacyRegistryPermissions"
	RoleModeABAC   = "AbacRepositoryPermissions"
)

// PasswordCredential is a password on an application or an ACR token.
type PasswordCredential struct {
	KeyID       string // Graph keyId; for ACR tokens, the password name (password1/password2)
	DisplayName string
	Hint        string
	Start, End  time.Time
	// Secret is the secret text. The emulator keeps it so tests can check what a caller got.
	Secret string
}

// Application is an emulated Entra application registration.
type Application struct {
	ID          string // object ID
	AppID       string // client ID
	DisplayName string
	UniqueName  string
	Passwords   []PasswordCredential
}

// ServicePrincipal is an emulated service principal.
type ServicePrincipal struct {
	ID                    string // object ID: the principalId of role assignments
	AppID                 string
	DisplayName           string
	ServicePrincipalNames []string
	Passwords             []PasswordCredential
}

// RoleDefinition is an emulated role definition.
type RoleDefinition struct {
	GUID     string
	RoleName string
	BuiltIn  bool
}

// RoleAssignment is an emulated role assignment.
type RoleAssignment struct {
	ID               string
	Name             string
	Scope            string
	RoleDefinitionID string
	PrincipalID      string
	PrincipalType    string
	// Condition and ConditionVersion are the assignment's ABAC condition, if any.
	Condition, ConditionVersion string
}

// ScopeMap is an emulated ACR scope map.
type ScopeMap struct {
	ID          string
	Name        string
	RegistryID  string
	Description string
	Actions     []string
}

// Token is an emulated ACR token.
type Token struct {
	ID         string
	Name       string
	RegistryID string
	ScopeMapID string
	Status     string
	Passwords  []PasswordCredential // KeyID is the password name
}

// builtinRoles are the role definitions every subscription has.
var builtinRoles = []RoleDefinition{
	{GUID: "7f951dda-4ed3-4680-a7ca-43fe172d538d", RoleName: "AcrPull", BuiltIn: true},
	{GUID: "8311e382-0749-4cb8-b61a-304f252e45ec", RoleName: "AcrPush", BuiltIn: true},
	{GUID: "c2f4ef07-c644-48eb-af81-4b1b4947fb11", RoleName: "AcrDelete", BuiltIn: true},
	{GUID: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", RoleName: "Owner", BuiltIn: true},
	{GUID: "b24988ac-6180-42a0-ab88-20f7382dd24c", RoleName: "Contributor", BuiltIn: true},
	{GUID: "acdd72a7-3385-48ef-bd42-f606fba81ae7", RoleName: "Reader", BuiltIn: true},
	{GUID: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", RoleName: "User Access Administrator", BuiltIn: true},
	{GUID: "b93aa761-3e63-49ed-ac28-beffa264f7ac", RoleName: "Container Registry Repository Reader", BuiltIn: true},
}

type app struct {
	Application
	lag int
}

type sp struct {
	ServicePrincipal
	lag int
}

type state struct {
	tenant, sub string
	acrSuffix   string
	registries  []*Registry
	apps        []*app
	sps         []*sp
	roleDefs    []RoleDefinition
	assignments []*RoleAssignment
	scopeMaps   []*ScopeMap
	acrTokens   []*Token
}

func (st *state) init(o Options) {
	st.tenant, st.sub, st.acrSuffix = o.TenantID, o.SubscriptionID, o.ACRSuffix
	st.roleDefs = append([]RoleDefinition(nil), builtinRoles...)
}

func newGUID() string { return uuid.NewString() }

// newSecret returns a random secret text in the style of Entra client secrets.
func newSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	s := base64.RawURLEncoding.EncodeToString(b)
	return strings.NewReplacer("-", "~", "_", ".").Replace(s)
}

// visible reports whether a lagging object can be seen by this call, and counts the call.
func visible(lag *int) bool {
	if *lag > 0 {
		*lag--
		return false
	}
	return true
}

// AddRegistry creates a registry and returns it with its ID set.
func (s *Server) AddRegistry(r Registry) (Registry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Name == "" {
		return Registry{}, fmt.Errorf("registry without a name")
	}
	if r.ResourceGroup == "" {
		r.ResourceGroup = "acrgen-demo"
	}
	if r.Location == "" {
		r.Location = "westeurope"
	}
	if r.LoginServer == "" {
		r.LoginServer = strings.ToLower(r.Name) + s.st.acrSuffix
	}
	r.ID = fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s",
		s.st.sub, r.ResourceGroup, r.Name)
	for _, x := range s.st.registries {
		if strings.EqualFold(x.ID, r.ID) {
			return Registry{}, fmt.Errorf("registry %q exists", r.ID)
		}
	}
	rr := r
	s.st.registries = append(s.st.registries, &rr)
	return r, nil
}

// AddApplication creates an application (visible at once, whatever the replication delay).
func (s *Server) AddApplication(displayName string) Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.createApp(displayName, "", 0).Application
}

func (st *state) createApp(displayName, uniqueName string, lag int) *app {
	a := &app{Application: Application{ID: newGUID(), AppID: newGUID(), DisplayName: displayName, UniqueName: uniqueName}, lag: lag}
	st.apps = append(st.apps, a)
	return a
}

// AddServicePrincipal creates a service principal for an existing application (visible at
// once).
func (s *Server) AddServicePrincipal(appID string) (ServicePrincipal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.appByAppID(appID)
	if a == nil {
		return ServicePrincipal{}, fmt.Errorf("no application with appId %s", appID)
	}
	return s.st.createSP(a, 0).ServicePrincipal, nil
}

func (st *state) createSP(a *app, lag int) *sp {
	p := &sp{ServicePrincipal: ServicePrincipal{
		ID: newGUID(), AppID: a.AppID, DisplayName: a.DisplayName,
		ServicePrincipalNames: []string{a.AppID},
	}, lag: lag}
	st.sps = append(st.sps, p)
	return p
}

// AddApplicationPassword adds a password to an application, as someone else (or an earlier
// run) would have.
func (s *Server) AddApplicationPassword(appObjectID, displayName string, end time.Time) (PasswordCredential, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.appByID(appObjectID)
	if a == nil {
		return PasswordCredential{}, fmt.Errorf("no application with id %s", appObjectID)
	}
	return a.addPassword(displayName, time.Now().UTC(), end), nil
}

// RemoveApplicationPassword removes a password from an application, as someone else (an
// `az ad app credential delete`, a reset) would through Graph's removePassword: the data plane
// refuses it from then on.
func (s *Server) RemoveApplicationPassword(appObjectID, keyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.appByID(appObjectID)
	if a == nil {
		return fmt.Errorf("no application with id %s", appObjectID)
	}
	n := len(a.Passwords)
	if a.Passwords = slices.DeleteFunc(a.Passwords, func(pc PasswordCredential) bool { return eqf(pc.KeyID, keyID) }); len(a.Passwords) == n {
		return fmt.Errorf("application %s has no password %s", appObjectID, keyID)
	}
	return nil
}

func (a *app) addPassword(displayName string, start, end time.Time) PasswordCredential {
	secret := newSecret()
	pc := PasswordCredential{KeyID: newGUID(), DisplayName: displayName, Hint: secret[:3], Start: start, End: end, Secret: secret}
	a.Passwords = append(a.Passwords, pc)
	return pc
}

// SetRoleAssignmentMode switches a registry (by name) between RoleModeLegacy and RoleModeABAC,
// as `az acr update --role-assignment-mode` does.
func (s *Server) SetRoleAssignmentMode(registry, mode string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.st.registries {
		if strings.EqualFold(r.Name, registry) {
			r.RoleAssignmentMode = mode
			return nil
		}
	}
	return fmt.Errorf("no registry %q", registry)
}

// AddToken creates an enabled ACR token on a registry (by ID) with a scope map granting
// actions, and a password1 expiring at end; it returns the password.
func (s *Server) AddToken(registryID, name string, actions []string, end time.Time) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sm := &ScopeMap{ID: registryID + "/scopeMaps/" + name + "-scope-map", Name: name + "-scope-map", RegistryID: registryID, Actions: slices.Clone(actions)}
	s.st.scopeMaps = append(s.st.scopeMaps, sm)
	pc := PasswordCredential{KeyID: "password1", Start: time.Now().UTC(), End: end, Secret: newSecret()}
	s.st.acrTokens = append(s.st.acrTokens, &Token{ID: registryID + "/tokens/" + name, Name: name, RegistryID: registryID,
		ScopeMapID: sm.ID, Status: "enabled", Passwords: []PasswordCredential{pc}})
	return pc.Secret
}

// MoveSubscription hands the subscription, its registries and its directory to another tenant:
// from now on ARM and Graph accept only that tenant's tokens (Options.SubscriptionTenantID).
func (s *Server) MoveSubscription(tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.SubscriptionTenantID = tenant
}

// SetTokenStatus enables or disables a token (by name), as `az acr token update --status` does.
func (s *Server) SetTokenStatus(name, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.st.acrTokens {
		if t.Name == name {
			t.Status = status
		}
	}
}

// AddRoleDefinition adds a custom role definition and returns it.
func (s *Server) AddRoleDefinition(roleName string) RoleDefinition {
	s.mu.Lock()
	defer s.mu.Unlock()
	rd := RoleDefinition{GUID: newGUID(), RoleName: roleName}
	s.st.roleDefs = append(s.st.roleDefs, rd)
	return rd
}

// AddRoleAssignment creates a role assignment. roleGUID is the role definition's GUID;
// condition, when given, is its ABAC condition (conditionVersion 2.0).
func (s *Server) AddRoleAssignment(scope, roleGUID, principalID string, condition ...string) RoleAssignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := newGUID()
	ra := &RoleAssignment{
		ID: scope + "/providers/Microsoft.Authorization/roleAssignments/" + name, Name: name, Scope: scope,
		RoleDefinitionID: "/subscriptions/" + s.st.sub + "/providers/Microsoft.Authorization/roleDefinitions/" + roleGUID,
		PrincipalID:      principalID, PrincipalType: "ServicePrincipal",
	}
	if len(condition) > 0 && condition[0] != "" {
		ra.Condition, ra.ConditionVersion = condition[0], "2.0"
	}
	s.st.assignments = append(s.st.assignments, ra)
	return *ra
}

// Registries returns a snapshot of the registries.
func (s *Server) Registries() []Registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Registry
	for _, r := range s.st.registries {
		out = append(out, *r)
	}
	return out
}

// Applications returns a snapshot of the applications.
func (s *Server) Applications() []Application {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Application
	for _, a := range s.st.apps {
		x := a.Application
		x.Passwords = slices.Clone(x.Passwords)
		out = append(out, x)
	}
	return out
}

// ServicePrincipals returns a snapshot of the service principals.
func (s *Server) ServicePrincipals() []ServicePrincipal {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ServicePrincipal
	for _, p := range s.st.sps {
		x := p.ServicePrincipal
		x.ServicePrincipalNames = slices.Clone(x.ServicePrincipalNames)
		x.Passwords = slices.Clone(x.Passwords)
		out = append(out, x)
	}
	return out
}

// RoleAssignments returns a snapshot of the role assignments.
func (s *Server) RoleAssignments() []RoleAssignment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RoleAssignment
	for _, r := range s.st.assignments {
		out = append(out, *r)
	}
	return out
}

// ScopeMaps returns a snapshot of the scope maps.
func (s *Server) ScopeMaps() []ScopeMap {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []ScopeMap
	for _, m := range s.st.scopeMaps {
		x := *m
		x.Actions = slices.Clone(x.Actions)
		out = append(out, x)
	}
	return out
}

// Tokens returns a snapshot of the ACR tokens.
func (s *Server) Tokens() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Token
	for _, t := range s.st.acrTokens {
		x := *t
		x.Passwords = slices.Clone(x.Passwords)
		out = append(out, x)
	}
	return out
}

func (st *state) appByID(id string) *app {
	for _, a := range st.apps {
		if strings.EqualFold(a.ID, id) {
			return a
		}
	}
	return nil
}

func (st *state) appByAppID(appID string) *app {
	for _, a := range st.apps {
		if strings.EqualFold(a.AppID, appID) {
			return a
		}
	}
	return nil
}

func (st *state) appByUniqueName(n string) *app {
	for _, a := range st.apps {
		if a.UniqueName != "" && strings.EqualFold(a.UniqueName, n) {
			return a
		}
	}
	return nil
}

func (st *state) spByID(id string) *sp {
	for _, p := range st.sps {
		if strings.EqualFold(p.ID, id) {
			return p
		}
	}
	return nil
}

func (st *state) spByAppID(appID string) *sp {
	for _, p := range st.sps {
		if strings.EqualFold(p.AppID, appID) {
			return p
		}
	}
	return nil
}

func (st *state) registry(rg, name string) *Registry {
	for _, r := range st.registries {
		if strings.EqualFold(r.ResourceGroup, rg) && strings.EqualFold(r.Name, name) {
			return r
		}
	}
	return nil
}

func (st *state) roleDef(guid string) *RoleDefinition {
	for i := range st.roleDefs {
		if strings.EqualFold(st.roleDefs[i].GUID, guid) {
			return &st.roleDefs[i]
		}
	}
	return nil
}
