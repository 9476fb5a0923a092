package fakeazure

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// graphTime is how Graph writes DateTimeOffset values: ISO 8601 in UTC, with a fraction of a
// second when there is one.
const graphTime = "2006-01-02T15:04:05.9999999Z"

// graphSegment matches "applications", "servicePrincipals" and their alternate-key forms
// such as "applications(uniqueName='x')" or "servicePrincipals(appId='x')".
var graphSegment = regexp.MustCompile(`^(applications|servicePrincipals)(?:\((\w+)='((?:[^']|'')*)'\))?$`)

// graphRoute matches the Graph v1.0 operations acrgen uses.
func (s *Server) graphRoute(r *http.Request) *route {
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/v1.0/"), "/")
	m := graphSegment.FindStringSubmatch(segs[0])
	if m == nil {
		return nil
	}
	coll, key, val := m[1], m[2], strings.ReplaceAll(m[3], "''", "'")
	if key == "" && len(segs) > 1 {
		key, val = "id", segs[1]
		segs = segs[1:]
	}
	action := ""
	if len(segs) == 2 {
		action = segs[1]
	} else if len(segs) > 2 {
		return nil
	}
	method := r.Method
	if coll == "applications" {
		switch {
		case key == "" && method == http.MethodGet:
			return &route{OpListApplications, apiGraph, s.listApplications}
		case key == "" && method == http.MethodPost:
			return &route{OpCreateApplication, apiGraph, s.createApplication}
		case action == "" && method == http.MethodGet:
			return &route{OpGetApplication, apiGraph, func(w http.ResponseWriter, r *http.Request) {
				if a := s.lookupApp(w, key, val); a != nil {
					writeJSON(w, http.StatusOK, s.appJSON(a))
				}
			}}
		case action == "" && method == http.MethodPatch && key == "uniqueName":
			return &route{OpUpsertApplication, apiGraph, func(w http.ResponseWriter, r *http.Request) { s.upsertApplication(w, r, val) }}
		case action == "addPassword" && method == http.MethodPost:
			return &route{OpAddPassword, apiGraph, func(w http.ResponseWriter, r *http.Request) { s.addPassword(w, r, key, val) }}
		case action == "removePassword" && method == http.MethodPost:
			return &route{OpRemovePassword, apiGraph, func(w http.ResponseWriter, r *http.Request) { s.removePassword(w, r, key, val) }}
		}
		return nil
	}
	switch {
	case key == "" && method == http.MethodGet:
		return &route{OpListServicePrincipals, apiGraph, s.listServicePrincipals}
	case key == "" && method == http.MethodPost:
		return &route{OpCreateServicePrincipal, apiGraph, s.createServicePrincipal}
	case action == "" && method == http.MethodGet:
		return &route{OpGetServicePrincipal, apiGraph, func(w http.ResponseWriter, r *http.Request) {
			if p := s.lookupSP(w, key, val); p != nil {
				writeJSON(w, http.StatusOK, s.spJSON(p))
			}
		}}
	case action == "" && method == http.MethodPatch && key == "appId":
		return &route{OpUpsertServicePrincipal, apiGraph, func(w http.ResponseWriter, r *http.Request) { s.upsertServicePrincipal(w, r, val) }}
	}
	return nil
}

func passwordsJSON(pcs []PasswordCredential) []any {
	out := []any{}
	for _, pc := range pcs {
		out = append(out, map[string]any{
			"keyId": pc.KeyID, "displayName": pc.DisplayName, "hint": pc.Hint,
			"startDateTime": pc.Start.Format(graphTime), "endDateTime": pc.End.Format(graphTime),
			"customKeyIdentifier": nil, "secretText": nil,
		})
	}
	return out
}

func (s *Server) appJSON(a *app) map[string]any {
	j := map[string]any{
		"@odata.context": s.ts.URL + "/v1.0/$metadata#applications/$entity",
		"id":             a.ID, "appId": a.AppID, "displayName": a.DisplayName,
		"signInAudience": "AzureADMyOrg", "passwordCredentials": passwordsJSON(a.Passwords),
		"keyCredentials": []any{}, "identifierUris": []any{},
	}
	if a.UniqueName != "" {
		j["uniqueName"] = a.UniqueName
	} else {
		j["uniqueName"] = nil
	}
	return j
}

func (s *Server) spJSON(p *sp) map[string]any {
	return map[string]any{
		"@odata.context": s.ts.URL + "/v1.0/$metadata#servicePrincipals/$entity",
		"id":             p.ID, "appId": p.AppID, "displayName": p.DisplayName,
		"servicePrincipalNames": p.ServicePrincipalNames, "appOwnerOrganizationId": s.st.tenant,
		"accountEnabled": true, "servicePrincipalType": "Application",
		"passwordCredentials": passwordsJSON(p.Passwords),
	}
}

func notFound(w http.ResponseWriter, id string) {
	writeError(w, http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", id))
}

// filter is a parsed Graph $filter: field eq 'value', or
// servicePrincipalNames/any(c:c eq 'value') (field "servicePrincipalNames").
type filter struct{ field, value string }

var (
	eqFilter  = regexp.MustCompile(`^(\w+) eq '((?:[^']|'')*)'$`)
	anyFilter = regexp.MustCompile(`^(\w+)/any\((\w+):(\w+) eq '((?:[^']|'')*)'\)$`)
)

func parseFilter(f string) (*filter, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return nil, nil
	}
	if m := eqFilter.FindStringSubmatch(f); m != nil {
		return &filter{m[1], strings.ReplaceAll(m[2], "''", "'")}, nil
	}
	if m := anyFilter.FindStringSubmatch(f); m != nil && m[2] == m[3] {
		return &filter{m[1], strings.ReplaceAll(m[4], "''", "'")}, nil
	}
	return nil, fmt.Errorf("fakeazure does not support the filter %q", f)
}

func (s *Server) writeGraphList(w http.ResponseWriter, r *http.Request, coll string, items []any) {
	items, next := s.page(r, items, "$skiptoken")
	body := map[string]any{"@odata.context": s.ts.URL + "/v1.0/$metadata#" + coll, "value": items}
	if next != "" {
		body["@odata.nextLink"] = next
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", err.Error())
		return
	}
	items := []any{}
	for _, a := range s.st.apps {
		if f != nil {
			var v string
			switch f.field {
			case "displayName":
				v = a.DisplayName
			case "appId":
				v = a.AppID
			case "id":
				v = a.ID
			case "uniqueName":
				v = a.UniqueName
			default:
				writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "fakeazure cannot filter applications on "+f.field)
				return
			}
			if !eqf(v, f.value) {
				continue
			}
		}
		if visible(&a.lag) {
			items = append(items, s.appJSON(a))
		}
	}
	s.writeGraphList(w, r, "applications", items)
}

func (s *Server) lookupApp(w http.ResponseWriter, key, val string) *app {
	var a *app
	switch key {
	case "id":
		a = s.st.appByID(val)
	case "appId":
		a = s.st.appByAppID(val)
	case "uniqueName":
		a = s.st.appByUniqueName(val)
	default:
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "unsupported alternate key "+key)
		return nil
	}
	if a == nil || !visible(&a.lag) {
		notFound(w, val)
		return nil
	}
	return a
}

func (s *Server) createApplication(w http.ResponseWriter, r *http.Request) {
	var body struct {
		DisplayName string `json:"displayName"`
		UniqueName  string `json:"uniqueName"`
	}
	if err := readJSON(r, &body); err != nil || body.DisplayName == "" {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "A displayName is required.")
		return
	}
	if body.UniqueName != "" && s.st.appByUniqueName(body.UniqueName) != nil {
		writeError(w, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "Another object with the same value for property uniqueName already exists.")
		return
	}
	a := s.st.createApp(body.DisplayName, body.UniqueName, s.replDelay)
	writeJSON(w, http.StatusCreated, s.appJSON(a))
}

// upsertApplication is PATCH /applications(uniqueName='x'): 204 when it exists, 201 when it
// was created (only with Prefer: create-if-missing), else 404.
func (s *Server) upsertApplication(w http.ResponseWriter, r *http.Request, uniqueName string) {
	var body struct {
		DisplayName string `json:"displayName"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "invalid body: "+err.Error())
		return
	}
	if a := s.st.appByUniqueName(uniqueName); a != nil {
		if body.DisplayName != "" {
			a.DisplayName = body.DisplayName
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !strings.Contains(r.Header.Get("Prefer"), "create-if-missing") {
		notFound(w, uniqueName)
		return
	}
	if body.DisplayName == "" {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "A displayName is required to create an application.")
		return
	}
	a := s.st.createApp(body.DisplayName, uniqueName, s.replDelay)
	writeJSON(w, http.StatusCreated, s.appJSON(a))
}

func (s *Server) addPassword(w http.ResponseWriter, r *http.Request, key, val string) {
	a := s.lookupApp(w, key, val)
	if a == nil {
		return
	}
	var body struct {
		PasswordCredential struct {
			DisplayName   string     `json:"displayName"`
			StartDateTime *time.Time `json:"startDateTime"`
			EndDateTime   *time.Time `json:"endDateTime"`
		} `json:"passwordCredential"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "invalid body: "+err.Error())
		return
	}
	pcb := body.PasswordCredential
	start := s.now()
	if pcb.StartDateTime != nil {
		start = pcb.StartDateTime.UTC()
	}
	end := start.AddDate(2, 0, 0)
	if pcb.EndDateTime != nil {
		end = pcb.EndDateTime.UTC()
	}
	if !end.After(start) {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "endDateTime must be after startDateTime.")
		return
	}
	if s.refusePassword(w, start, end) {
		return
	}
	pc := a.addPassword(pcb.DisplayName, start, end)
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": s.ts.URL + "/v1.0/$metadata#microsoft.graph.passwordCredential",
		"keyId":          pc.KeyID, "displayName": pc.DisplayName, "hint": pc.Hint, "secretText": pc.Secret,
		"startDateTime": pc.Start.Format(graphTime), "endDateTime": pc.End.Format(graphTime), "customKeyIdentifier": nil,
	})
}

func (s *Server) removePassword(w http.ResponseWriter, r *http.Request, key, val string) {
	a := s.lookupApp(w, key, val)
	if a == nil {
		return
	}
	var body struct {
		KeyID string `json:"keyId"`
	}
	if err := readJSON(r, &body); err != nil || body.KeyID == "" {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "A keyId is required.")
		return
	}
	n := len(a.Passwords)
	a.Passwords = slices.DeleteFunc(a.Passwords, func(pc PasswordCredential) bool { return eqf(pc.KeyID, body.KeyID) })
	if len(a.Passwords) == n {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", fmt.Sprintf("No password credential found with keyId '%s'.", body.KeyID))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listServicePrincipals(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query().Get("$filter"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", err.Error())
		return
	}
	items := []any{}
	for _, p := range s.st.sps {
		if f != nil {
			match := false
			switch f.field {
			case "displayName":
				match = eqf(p.DisplayName, f.value)
			case "appId":
				match = eqf(p.AppID, f.value)
			case "id":
				match = eqf(p.ID, f.value)
			case "servicePrincipalNames":
				match = slices.ContainsFunc(p.ServicePrincipalNames, func(n string) bool { return eqf(n, f.value) })
			default:
				writeError(w, http.StatusBadRequest, "Request_UnsupportedQuery", "fakeazure cannot filter servicePrincipals on "+f.field)
				return
			}
			if !match {
				continue
			}
		}
		if visible(&p.lag) {
			items = append(items, s.spJSON(p))
		}
	}
	s.writeGraphList(w, r, "servicePrincipals", items)
}

func (s *Server) lookupSP(w http.ResponseWriter, key, val string) *sp {
	var p *sp
	switch key {
	case "id":
		p = s.st.spByID(val)
	case "appId":
		p = s.st.spByAppID(val)
	default:
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "unsupported alternate key "+key)
		return nil
	}
	if p == nil || !visible(&p.lag) {
		notFound(w, val)
		return nil
	}
	return p
}

// newSP creates a service principal for appID, as Graph does: the application must be
// visible (replicated) in the tenant.
func (s *Server) newSP(w http.ResponseWriter, appID string) {
	a := s.st.appByAppID(appID)
	if a == nil || !visible(&a.lag) {
		writeError(w, http.StatusBadRequest, "Request_BadRequest",
			fmt.Sprintf("The appId '%s' of the service principal does not reference a valid application object.", appID))
		return
	}
	p := s.st.createSP(a, s.replDelay)
	writeJSON(w, http.StatusCreated, s.spJSON(p))
}

func (s *Server) createServicePrincipal(w http.ResponseWriter, r *http.Request) {
	var body struct {
		AppID string `json:"appId"`
	}
	if err := readJSON(r, &body); err != nil || body.AppID == "" {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "An appId is required.")
		return
	}
	if s.st.spByAppID(body.AppID) != nil {
		writeError(w, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue",
			"Another object with the same value for property servicePrincipalNames already exists.")
		return
	}
	s.newSP(w, body.AppID)
}

// upsertServicePrincipal is PATCH /servicePrincipals(appId='x').
func (s *Server) upsertServicePrincipal(w http.ResponseWriter, r *http.Request, appID string) {
	var body map[string]any
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, "Request_BadRequest", "invalid body: "+err.Error())
		return
	}
	if s.st.spByAppID(appID) != nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if !strings.Contains(r.Header.Get("Prefer"), "create-if-missing") {
		notFound(w, appID)
		return
	}
	s.newSP(w, appID)
}
