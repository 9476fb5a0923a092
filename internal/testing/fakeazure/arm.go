package fakeazure

import (
	"fmt"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
)

const rfc3339 = "2006-01-02T15:04:05.0000000Z"

func eqf(a, b string) bool { return strings.EqualFold(a, b) }

// armRoute matches the ARM operations acrgen uses.
func (s *Server) armRoute(r *http.Request) *route {
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	m := r.Method
	// {scope}/providers/Microsoft.Authorization/{roleAssignments|roleDefinitions}[/{name}]
	for i := len(segs) - 2; i >= 0; i-- {
		if eqf(segs[i], "providers") && eqf(segs[i+1], "Microsoft.Authorization") {
			scope := "/" + strings.Join(segs[:i], "/")
			rest := segs[i+2:]
			switch {
			case len(rest) == 1 && eqf(rest[0], "roleAssignments") && m == http.MethodGet:
				return &route{OpListRoleAssignments, apiARM, func(w http.ResponseWriter, r *http.Request) { s.listRoleAssignments(w, r, scope) }}
			case len(rest) == 2 && eqf(rest[0], "roleAssignments"):
				name := rest[1]
				switch m {
				case http.MethodGet:
					return &route{OpGetRoleAssignment, apiARM, func(w http.ResponseWriter, r *http.Request) { s.getRoleAssignment(w, scope, name) }}
				case http.MethodPut:
					return &route{OpCreateRoleAssignment, apiARM, func(w http.ResponseWriter, r *http.Request) { s.createRoleAssignment(w, r, scope, name) }}
				case http.MethodDelete:
					return &route{OpDeleteRoleAssignment, apiARM, func(w http.ResponseWriter, r *http.Request) { s.deleteRoleAssignment(w, scope, name) }}
				}
			case len(rest) == 1 && eqf(rest[0], "roleDefinitions") && m == http.MethodGet:
				return &route{OpListRoleDefinitions, apiARM, func(w http.ResponseWriter, r *http.Request) { s.listRoleDefinitions(w, r) }}
			case len(rest) == 2 && eqf(rest[0], "roleDefinitions") && m == http.MethodGet:
				guid := rest[1]
				return &route{OpGetRoleDefinition, apiARM, func(w http.ResponseWriter, r *http.Request) { s.getRoleDefinition(w, guid) }}
			}
			return nil
		}
	}
	if len(segs) < 2 || !eqf(segs[0], "subscriptions") {
		return nil
	}
	sub := segs[1]
	rest := segs[2:]
	// subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries
	if len(rest) == 3 && eqf(rest[0], "providers") && eqf(rest[1], "Microsoft.ContainerRegistry") && eqf(rest[2], "registries") && m == http.MethodGet {
		return &route{OpListRegistries, apiARM, func(w http.ResponseWriter, r *http.Request) { s.listRegistries(w, r, sub, "") }}
	}
	if len(rest) < 5 || !eqf(rest[0], "resourceGroups") || !eqf(rest[2], "providers") || !eqf(rest[3], "Microsoft.ContainerRegistry") || !eqf(rest[4], "registries") {
		return nil
	}
	rg := rest[1]
	rest = rest[5:]
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		return &route{OpListRegistries, apiARM, func(w http.ResponseWriter, r *http.Request) { s.listRegistries(w, r, sub, rg) }}
	case len(rest) == 1 && m == http.MethodGet:
		name := rest[0]
		return &route{OpGetRegistry, apiARM, func(w http.ResponseWriter, r *http.Request) {
			if reg := s.findRegistry(w, sub, rg, name); reg != nil {
				writeJSON(w, http.StatusOK, registryJSON(reg, r.URL.Query().Get("api-version")))
			}
		}}
	case len(rest) == 2 && eqf(rest[1], "generateCredentials") && m == http.MethodPost:
		name := rest[0]
		return &route{OpGenerateCredentials, apiARM, func(w http.ResponseWriter, r *http.Request) { s.generateCredentials(w, r, sub, rg, name) }}
	case len(rest) == 3 && eqf(rest[1], "scopeMaps"):
		reg, sm := rest[0], rest[2]
		switch m {
		case http.MethodGet:
			return &route{OpGetScopeMap, apiARM, func(w http.ResponseWriter, r *http.Request) { s.getScopeMap(w, sub, rg, reg, sm) }}
		case http.MethodPut, http.MethodPatch:
			op := OpPutScopeMap
			if m == http.MethodPatch {
				op = OpPatchScopeMap
			}
			return &route{op, apiARM, func(w http.ResponseWriter, r *http.Request) { s.putScopeMap(w, r, sub, rg, reg, sm) }}
		}
	case len(rest) == 3 && eqf(rest[1], "tokens"):
		reg, tn := rest[0], rest[2]
		switch m {
		case http.MethodGet:
			return &route{OpGetACRToken, apiARM, func(w http.ResponseWriter, r *http.Request) { s.getACRToken(w, sub, rg, reg, tn) }}
		case http.MethodPut, http.MethodPatch:
			op := OpPutACRToken
			if m == http.MethodPatch {
				op = OpPatchACRToken
			}
			return &route{op, apiARM, func(w http.ResponseWriter, r *http.Request) { s.putACRToken(w, r, sub, rg, reg, tn) }}
		}
	}
	return nil
}

func (s *Server) checkSub(w http.ResponseWriter, sub string) bool {
	if !eqf(sub, s.st.sub) {
		writeError(w, http.StatusNotFound, "SubscriptionNotFound", fmt.Sprintf("The subscription '%s' could not be found.", sub))
		return false
	}
	return true
}

func (s *Server) writeList(w http.ResponseWriter, r *http.Request, items []any) {
	items, next := s.page(r, items, "$skipToken")
	body := map[string]any{"value": items}
	if next != "" {
		body["nextLink"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

// registryJSON is a registry as ARM returns it for an api-version. roleAssignmentMode is
// part of the registry model only in the api-versions of the TypeSpec definition (2025 on,
// azure-rest-api-specs Microsoft.ContainerRegistry/Registry/Registry.models.tsp); the
// 2023-07-01 model armcontainerregistry v1.2.0 uses has no such property.
func registryJSON(r *Registry, apiVersion string) map[string]any {
	props := map[string]any{
		"loginServer": r.LoginServer, "provisioningState": "Succeeded", "adminUserEnabled": false,
		"publicNetworkAccess": "Enabled", "creationDate": "2024-01-01T00:00:00.0000000Z",
	}
	if apiVersion >= "2025" {
		mode := r.RoleAssignmentMode
		if mode == "" {
			mode = RoleModeLegacy
		}
		props["roleAssignmentMode"] = mode
	}
	return map[string]any{
		"id": r.ID, "name": r.Name, "type": "Microsoft.ContainerRegistry/registries", "location": r.Location,
		"sku": map[string]any{"name": "Standard", "tier": "Standard"}, "properties": props,
	}
}

func (s *Server) listRegistries(w http.ResponseWriter, r *http.Request, sub, rg string) {
	if !s.checkSub(w, sub) {
		return
	}
	items := []any{}
	for _, reg := range s.st.registries {
		if rg == "" || eqf(reg.ResourceGroup, rg) {
			items = append(items, registryJSON(reg, r.URL.Query().Get("api-version")))
		}
	}
	s.writeList(w, r, items)
}

func (s *Server) findRegistry(w http.ResponseWriter, sub, rg, name string) *Registry {
	if !s.checkSub(w, sub) {
		return nil
	}
	reg := s.st.registry(rg, name)
	if reg == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound",
			fmt.Sprintf("The Resource 'Microsoft.ContainerRegistry/registries/%s' under resource group '%s' was not found.", name, rg))
	}
	return reg
}

// --- role definitions -------------------------------------------------------------------

func (s *Server) roleDefID(guid string) string {
	return "/subscriptions/" + s.st.sub + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

func (s *Server) roleDefJSON(rd RoleDefinition) map[string]any {
	typ := "CustomRole"
	if rd.BuiltIn {
		typ = "BuiltInRole"
	}
	return map[string]any{
		"id": s.roleDefID(rd.GUID), "name": rd.GUID, "type": "Microsoft.Authorization/roleDefinitions",
		"properties": map[string]any{"roleName": rd.RoleName, "type": typ, "description": rd.RoleName, "assignableScopes": []string{"/"}, "permissions": []any{}},
	}
}

var roleNameFilter = regexp.MustCompile(`^roleName eq '((?:[^']|'')*)'$`)

func (s *Server) listRoleDefinitions(w http.ResponseWriter, r *http.Request) {
	f := strings.TrimSpace(r.URL.Query().Get("$filter"))
	name := ""
	if f != "" {
		m := roleNameFilter.FindStringSubmatch(f)
		if m == nil {
			writeError(w, http.StatusBadRequest, "InvalidFilter", fmt.Sprintf("fakeazure does not support the filter %q", f))
			return
		}
		name = strings.ReplaceAll(m[1], "''", "'")
	}
	items := []any{}
	for _, rd := range s.st.roleDefs {
		if name == "" || eqf(rd.RoleName, name) {
			items = append(items, s.roleDefJSON(rd))
		}
	}
	s.writeList(w, r, items)
}

func (s *Server) getRoleDefinition(w http.ResponseWriter, guid string) {
	rd := s.st.roleDef(guid)
	if rd == nil {
		writeError(w, http.StatusNotFound, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+guid+"' does not exist.")
		return
	}
	writeJSON(w, http.StatusOK, s.roleDefJSON(*rd))
}

// --- role assignments -------------------------------------------------------------------

func (s *Server) roleAssignmentJSON(ra *RoleAssignment) map[string]any {
	return map[string]any{
		"id": ra.ID, "name": ra.Name, "type": "Microsoft.Authorization/roleAssignments",
		"properties": map[string]any{
			"scope": ra.Scope, "roleDefinitionId": ra.RoleDefinitionID, "principalId": ra.PrincipalID,
			"principalType": ra.PrincipalType, "createdOn": "2024-01-01T00:00:00.0000000Z",
			"condition": nilIfEmpty(ra.Condition), "conditionVersion": nilIfEmpty(ra.ConditionVersion),
		},
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// related reports whether an assignment at scope a applies at, above or below scope b.
func related(a, b string) bool {
	a, b = strings.ToLower(strings.TrimRight(a, "/")), strings.ToLower(strings.TrimRight(b, "/"))
	return a == b || strings.HasPrefix(b, a+"/") || strings.HasPrefix(a, b+"/")
}

// atOrAbove reports whether scope a is b or one of its parents.
func atOrAbove(a, b string) bool {
	a, b = strings.ToLower(strings.TrimRight(a, "/")), strings.ToLower(strings.TrimRight(b, "/"))
	return a == b || strings.HasPrefix(b, a+"/")
}

var principalFilter = regexp.MustCompile(`^principalId eq '([^']*)'$`)

func (s *Server) listRoleAssignments(w http.ResponseWriter, r *http.Request, scope string) {
	f := strings.TrimSpace(r.URL.Query().Get("$filter"))
	var keep func(*RoleAssignment) bool
	switch m := principalFilter.FindStringSubmatch(f); {
	case f == "":
		keep = func(ra *RoleAssignment) bool { return related(ra.Scope, scope) }
	case f == "atScope()":
		keep = func(ra *RoleAssignment) bool { return atOrAbove(ra.Scope, scope) }
	case m != nil:
		keep = func(ra *RoleAssignment) bool { return eqf(ra.PrincipalID, m[1]) && related(ra.Scope, scope) }
	default:
		writeError(w, http.StatusBadRequest, "InvalidFilter", fmt.Sprintf("fakeazure does not support the filter %q", f))
		return
	}
	items := []any{}
	for _, ra := range s.st.assignments {
		if keep(ra) {
			items = append(items, s.roleAssignmentJSON(ra))
		}
	}
	s.writeList(w, r, items)
}

func (s *Server) findAssignment(scope, name string) *RoleAssignment {
	for _, ra := range s.st.assignments {
		if eqf(ra.Name, name) && eqf(strings.TrimRight(ra.Scope, "/"), strings.TrimRight(scope, "/")) {
			return ra
		}
	}
	return nil
}

func (s *Server) getRoleAssignment(w http.ResponseWriter, scope, name string) {
	ra := s.findAssignment(scope, name)
	if ra == nil {
		writeError(w, http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '"+name+"' is not found.")
		return
	}
	writeJSON(w, http.StatusOK, s.roleAssignmentJSON(ra))
}

func (s *Server) deleteRoleAssignment(w http.ResponseWriter, scope, name string) {
	ra := s.findAssignment(scope, name)
	if ra == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.st.assignments = slices.DeleteFunc(s.st.assignments, func(x *RoleAssignment) bool { return x == ra })
	writeJSON(w, http.StatusOK, s.roleAssignmentJSON(ra))
}

func (s *Server) createRoleAssignment(w http.ResponseWriter, r *http.Request, scope, name string) {
	var body struct {
		Properties struct {
			RoleDefinitionID string `json:"roleDefinitionId"`
			PrincipalID      string `json:"principalId"`
			PrincipalType    string `json:"principalType"`
			Condition        string `json:"condition"`
			ConditionVersion string `json:"conditionVersion"`
		} `json:"properties"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid: "+err.Error())
		return
	}
	p := body.Properties
	if !strings.HasPrefix(strings.ToLower(scope), strings.ToLower("/subscriptions/"+s.st.sub)) {
		writeError(w, http.StatusBadRequest, "InvalidScope", "fakeazure knows one subscription only")
		return
	}
	guid := path.Base(p.RoleDefinitionID)
	if p.RoleDefinitionID == "" || s.st.roleDef(guid) == nil {
		writeError(w, http.StatusBadRequest, "RoleDefinitionDoesNotExist", fmt.Sprintf("The specified role definition with ID '%s' does not exist.", guid))
		return
	}
	if p.Condition != "" {
		// Conditions need conditionVersion 2.0 (conditions-format), and the emulator must be
		// able to evaluate them on the data plane.
		if p.ConditionVersion != "2.0" {
			writeError(w, http.StatusBadRequest, "InvalidConditionVersion", "A condition requires conditionVersion 2.0.")
			return
		}
		if _, err := parseCondition(p.Condition); err != nil {
			writeError(w, http.StatusBadRequest, "InvalidCondition", err.Error())
			return
		}
	}
	same := func(ra *RoleAssignment) bool {
		return eqf(ra.PrincipalID, p.PrincipalID) && eqf(path.Base(ra.RoleDefinitionID), guid) &&
			eqf(strings.TrimRight(ra.Scope, "/"), strings.TrimRight(scope, "/"))
	}
	if ra := s.findAssignment(scope, name); ra != nil {
		switch {
		case same(ra) && ra.Condition != p.Condition:
			// A PUT on the same assignment edits its condition ("Add or edit Azure role
			// assignment conditions using the REST API", learn.microsoft.com/azure/
			// role-based-access-control/conditions-role-assignments-rest).
			ra.Condition, ra.ConditionVersion = p.Condition, p.ConditionVersion
			if p.Condition == "" {
				ra.ConditionVersion = ""
			}
			writeJSON(w, http.StatusOK, s.roleAssignmentJSON(ra))
		case same(ra):
			writeError(w, http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
		default:
			writeError(w, http.StatusBadRequest, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
		return
	}
	principal := s.st.spByID(p.PrincipalID)
	if principal == nil || !visible(&principal.lag) {
		writeError(w, http.StatusBadRequest, "PrincipalNotFound", fmt.Sprintf(
			"Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype",
			strings.ReplaceAll(p.PrincipalID, "-", ""), s.st.tenant))
		return
	}
	for _, ra := range s.st.assignments {
		if same(ra) {
			writeError(w, http.StatusConflict, "RoleAssignmentExists", "The role assignment already exists.")
			return
		}
	}
	pt := p.PrincipalType
	if pt == "" {
		pt = "ServicePrincipal"
	}
	ra := &RoleAssignment{
		ID: strings.TrimRight(scope, "/") + "/providers/Microsoft.Authorization/roleAssignments/" + name, Name: name,
		Scope: scope, RoleDefinitionID: p.RoleDefinitionID, PrincipalID: p.PrincipalID, PrincipalType: pt,
		Condition: p.Condition, ConditionVersion: p.ConditionVersion,
	}
	s.st.assignments = append(s.st.assignments, ra)
	writeJSON(w, http.StatusCreated, s.roleAssignmentJSON(ra))
}

// --- scope maps and tokens ----------------------------------------------------------------

var (
	scopeMapName = regexp.MustCompile(`^[a-zA-Z0-9_-]{5,50}$`)
	acrTokenName = regexp.MustCompile(`^[a-zA-Z0-9-]{5,50}$`)
)

func scopeMapJSON(m *ScopeMap) map[string]any {
	return map[string]any{
		"id": m.ID, "name": m.Name, "type": "Microsoft.ContainerRegistry/registries/scopeMaps",
		"properties": map[string]any{
			"description": m.Description, "type": "UserDefined", "actions": m.Actions,
			"provisioningState": "Succeeded", "creationDate": "2024-01-01T00:00:00.0000000Z",
		},
	}
}

func (s *Server) scopeMap(id string) *ScopeMap {
	for _, m := range s.st.scopeMaps {
		if eqf(m.ID, id) {
			return m
		}
	}
	return nil
}

func (s *Server) getScopeMap(w http.ResponseWriter, sub, rg, reg, name string) {
	registry := s.findRegistry(w, sub, rg, reg)
	if registry == nil {
		return
	}
	m := s.scopeMap(registry.ID + "/scopeMaps/" + name)
	if m == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.ContainerRegistry/registries/%s/scopeMaps/%s' under resource group '%s' was not found.", reg, name, rg))
		return
	}
	writeJSON(w, http.StatusOK, scopeMapJSON(m))
}

func (s *Server) putScopeMap(w http.ResponseWriter, r *http.Request, sub, rg, reg, name string) {
	registry := s.findRegistry(w, sub, rg, reg)
	if registry == nil {
		return
	}
	var body struct {
		Properties struct {
			Description *string   `json:"description"`
			Actions     *[]string `json:"actions"`
		} `json:"properties"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid: "+err.Error())
		return
	}
	if !scopeMapName.MatchString(name) {
		writeError(w, http.StatusBadRequest, "InvalidResourceName", "scope map names have 5-50 characters from [a-zA-Z0-9-_]")
		return
	}
	id := registry.ID + "/scopeMaps/" + name
	m := s.scopeMap(id)
	status := http.StatusOK
	switch {
	case m == nil && r.Method == http.MethodPatch:
		writeError(w, http.StatusNotFound, "ResourceNotFound", "scope map "+name+" not found")
		return
	case m == nil:
		if body.Properties.Actions == nil || len(*body.Properties.Actions) == 0 {
			writeError(w, http.StatusBadRequest, "InvalidScopeMap", "a scope map needs at least one action")
			return
		}
		m = &ScopeMap{ID: id, Name: name, RegistryID: registry.ID}
		s.st.scopeMaps = append(s.st.scopeMaps, m)
		status = http.StatusCreated
	}
	if body.Properties.Actions != nil {
		m.Actions = slices.Clone(*body.Properties.Actions)
	}
	if body.Properties.Description != nil {
		m.Description = *body.Properties.Description
	}
	writeJSON(w, status, scopeMapJSON(m))
}

func tokenJSON(t *Token) map[string]any {
	pws := []any{}
	for _, p := range t.Passwords {
		pw := map[string]any{"name": p.KeyID, "creationTime": p.Start.Format(rfc3339)}
		if !p.End.IsZero() {
			pw["expiry"] = p.End.Format(rfc3339)
		}
		pws = append(pws, pw)
	}
	return map[string]any{
		"id": t.ID, "name": t.Name, "type": "Microsoft.ContainerRegistry/registries/tokens",
		"properties": map[string]any{
			"scopeMapId": t.ScopeMapID, "status": t.Status, "provisioningState": "Succeeded",
			"creationDate": "2024-01-01T00:00:00.0000000Z",
			"credentials":  map[string]any{"passwords": pws, "certificates": []any{}},
		},
	}
}

func (s *Server) acrToken(id string) *Token {
	for _, t := range s.st.acrTokens {
		if eqf(t.ID, id) {
			return t
		}
	}
	return nil
}

func (s *Server) getACRToken(w http.ResponseWriter, sub, rg, reg, name string) {
	registry := s.findRegistry(w, sub, rg, reg)
	if registry == nil {
		return
	}
	t := s.acrToken(registry.ID + "/tokens/" + name)
	if t == nil {
		writeError(w, http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.ContainerRegistry/registries/%s/tokens/%s' under resource group '%s' was not found.", reg, name, rg))
		return
	}
	writeJSON(w, http.StatusOK, tokenJSON(t))
}

func (s *Server) putACRToken(w http.ResponseWriter, r *http.Request, sub, rg, reg, name string) {
	registry := s.findRegistry(w, sub, rg, reg)
	if registry == nil {
		return
	}
	var body struct {
		Properties struct {
			ScopeMapID  *string `json:"scopeMapId"`
			Status      *string `json:"status"`
			Credentials *struct {
				Passwords *[]struct {
					Name string `json:"name"`
				} `json:"passwords"`
			} `json:"credentials"`
		} `json:"properties"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid: "+err.Error())
		return
	}
	if !acrTokenName.MatchString(name) {
		writeError(w, http.StatusBadRequest, "InvalidResourceName", "token names have 5-50 characters from [a-zA-Z0-9-]")
		return
	}
	p := body.Properties
	if p.ScopeMapID != nil && s.scopeMap(*p.ScopeMapID) == nil {
		writeError(w, http.StatusBadRequest, "InvalidScopeMap", "The scope map '"+*p.ScopeMapID+"' was not found.")
		return
	}
	id := registry.ID + "/tokens/" + name
	t := s.acrToken(id)
	status := http.StatusOK
	switch {
	case t == nil && r.Method == http.MethodPatch:
		writeError(w, http.StatusNotFound, "ResourceNotFound", "token "+name+" not found")
		return
	case t == nil:
		if p.ScopeMapID == nil {
			writeError(w, http.StatusBadRequest, "InvalidToken", "a token needs a scopeMapId")
			return
		}
		t = &Token{ID: id, Name: name, RegistryID: registry.ID, Status: "enabled"}
		s.st.acrTokens = append(s.st.acrTokens, t)
		status = http.StatusCreated
	}
	if p.ScopeMapID != nil {
		t.ScopeMapID = *p.ScopeMapID
	}
	if p.Status != nil {
		t.Status = *p.Status
	}
	if r.Method == http.MethodPatch && p.Credentials != nil && p.Credentials.Passwords != nil {
		// As az does to delete a password: PATCH the names to keep.
		keep := map[string]bool{}
		for _, pw := range *p.Credentials.Passwords {
			keep[strings.ToLower(pw.Name)] = true
		}
		t.Passwords = slices.DeleteFunc(t.Passwords, func(pc PasswordCredential) bool { return !keep[strings.ToLower(pc.KeyID)] })
	}
	writeJSON(w, status, tokenJSON(t))
}

func (s *Server) generateCredentials(w http.ResponseWriter, r *http.Request, sub, rg, reg string) {
	registry := s.findRegistry(w, sub, rg, reg)
	if registry == nil {
		return
	}
	var body struct {
		TokenID string     `json:"tokenId"`
		Name    string     `json:"name"`
		Expiry  *time.Time `json:"expiry"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid: "+err.Error())
		return
	}
	t := s.acrToken(body.TokenID)
	if t == nil || !eqf(t.RegistryID, registry.ID) {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The token '"+body.TokenID+"' was not found.")
		return
	}
	names := []string{"password1", "password2"}
	if body.Name != "" {
		if !eqf(body.Name, "password1") && !eqf(body.Name, "password2") {
			writeError(w, http.StatusBadRequest, "InvalidPasswordName", "name must be password1 or password2")
			return
		}
		names = []string{strings.ToLower(body.Name)}
	}
	now := s.now()
	var out []any
	for _, n := range names {
		end := time.Time{}
		if body.Expiry != nil {
			end = body.Expiry.UTC()
		}
		pc := PasswordCredential{KeyID: n, Start: now, End: end, Secret: newSecret()}
		t.Passwords = slices.DeleteFunc(t.Passwords, func(x PasswordCredential) bool { return x.KeyID == n })
		t.Passwords = append(t.Passwords, pc)
		pw := map[string]any{"name": n, "value": pc.Secret, "creationTime": now.Format(rfc3339)}
		if !end.IsZero() {
			pw["expiry"] = end.Format(rfc3339)
		}
		out = append(out, pw)
	}
	slices.SortFunc(t.Passwords, func(a, b PasswordCredential) int { return strings.Compare(a.KeyID, b.KeyID) })
	writeJSON(w, http.StatusOK, map[string]any{"username": t.Name, "passwords": out})
}
