package fakeazure

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// api tells which emulated service a route belongs to; it selects the token audience a
// caller must present and the error-body conventions.
type api int

const (
	apiAAD api = iota
	apiARM
	apiGraph
)

// route is a matched request. h runs with s.mu held.
type route struct {
	op  Op
	api api
	h   func(w http.ResponseWriter, r *http.Request)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	rt := s.route(r)
	var op Op
	if rt != nil {
		op = rt.op
	}
	defer func() {
		s.mu.Lock()
		s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Op: op, Status: rec.status})
		s.mu.Unlock()
	}()
	if rt == nil {
		writeError(rec, http.StatusNotFound, "NotFound", fmt.Sprintf("fakeazure does not emulate %s %s", r.Method, r.URL.Path))
		return
	}
	if rt.api != apiAAD {
		switch tenant, ok := s.authorized(r, rt.api); {
		case !ok:
			writeError(rec, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is missing, invalid, or for another audience.")
			return
		case !strings.EqualFold(tenant, s.opts.SubscriptionTenantID):
			// ARM's answer to a token from a tenant other than the subscription's.
			writeError(rec, http.StatusUnauthorized, "InvalidAuthenticationTokenTenant", fmt.Sprintf(
				"The access token is from the wrong issuer 'https://sts.windows.net/%s/'. It must match the tenant 'https://sts.windows.net/%s/' associated with this subscription. Please use the authority (URL) 'https://login.windows.net/%s' to get the token.",
				tenant, s.opts.SubscriptionTenantID, s.opts.SubscriptionTenantID))
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.takeFault(rt.op); f != nil {
		if rt.api == apiAAD {
			writeOAuthError(rec, f.Status, "temporarily_unavailable", fmt.Sprintf("AADSTS50000: fakeazure injected fault %d", f.Status))
			return
		}
		writeFault(rec, f, rt.api == apiGraph)
		return
	}
	rt.h(rec, r)
}

func (s *Server) route(r *http.Request) *route {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v1.0/"):
		return s.graphRoute(r)
	case strings.HasPrefix(strings.ToLower(p), "/subscriptions/"):
		return s.armRoute(r)
	default:
		return s.aadRoute(r)
	}
}

// authorized returns the tenant of the request's token when it is valid for the API.
func (s *Server) authorized(r *http.Request, a api) (string, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.tokens[tok]
	if !ok {
		return "", false
	}
	return it.tenant, (a == apiARM && it.audience == "arm") || (a == apiGraph && it.audience == "graph")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes the {"error":{"code","message"}} body both ARM and Graph use.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg}})
}

func readJSON(r *http.Request, v any) error {
	if r.Body == nil {
		return fmt.Errorf("empty body")
	}
	dec := json.NewDecoder(r.Body)
	return dec.Decode(v)
}

// page cuts items into the page the request asks for and returns the link to the next one.
func (s *Server) page(r *http.Request, items []any, tokenParam string) ([]any, string) {
	if s.opts.PageSize <= 0 {
		return items, ""
	}
	q := r.URL.Query()
	start, _ := strconv.Atoi(q.Get(tokenParam))
	if start < 0 || start > len(items) {
		start = len(items)
	}
	end := min(start+s.opts.PageSize, len(items))
	next := ""
	if end < len(items) {
		q.Set(tokenParam, strconv.Itoa(end))
		u := url.URL{Scheme: "https", Host: r.Host, Path: r.URL.Path, RawQuery: encodeQuery(q)}
		next = u.String()
	}
	return items[start:end], next
}

// encodeQuery encodes a query with %20 for spaces, as Azure's own links do.
func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}
