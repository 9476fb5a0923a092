package fakeazure

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// The registry data plane: what `docker pull` (and go-containerregistry) talks to at a
// registry's login server. Each emulated registry holds its content in go-containerregistry's
// in-memory registry (pkg/registry); in front of it sits ACR's token flow, which decides who
// may pull what by the same state the control plane keeps:
//
//   - An anonymous request gets 401 with the challenge
//     `Bearer realm="https://<login server>/oauth2/token",service="<login server>",scope="repository:<name>:pull"`
//     and the body {"errors":[{"code":"UNAUTHORIZED","message":"authentication required",...}]}
//     ("Azure Container Registry's support of getting Bearer token using Basic Authentication",
//     azure.github.io/acr/Token-BasicAuth.html).
//   - GET /oauth2/token?service=...&scope=repository:<name>:pull with basic authentication of
//     a username and password answers {"access_token": ...} (ACR REST "Access Tokens - Get From
//     Login", learn.microsoft.com/rest/api/containerregistry/access-tokens/get-from-login). The
//     credentials are a service principal's appId and one of its application's passwords
//     ("Azure Container Registry authentication with service principals",
//     learn.microsoft.com/azure/container-registry/container-registry-auth-service-principal),
//     or a token's name and one of its two passwords ("Create a token with repository-scoped
//     permissions", learn.microsoft.com/azure/container-registry/container-registry-repository-scoped-permissions).
//     A wrong, expired or removed password, or a disabled token, is refused with 401.
//   - The access token carries only the pull grants the identity has; a manifest or blob request
//     for a repository it does not grant is refused with the same 401 challenge. A service
//     principal pulls through its role assignments at the registry or above: in the legacy mode
//     AcrPull, AcrPush, Owner, Contributor and Reader; in ABAC mode ("RBAC Registry + ABAC
//     Repository Permissions") only Container Registry Repository Reader, Writer and
//     Contributor, each limited by its ABAC condition if it has one, while AcrPull, AcrPush,
//     AcrDelete are not honoured and Owner, Contributor and Reader give control-plane access only
//     (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions,
//     and the roles table of reference/azure.md §7). A token pulls the repositories whose
//     content/read its scope map lists, `repositories/<prefix>/*/...` covering a prefix
//     (the repository-scoped permissions page above).
//   - A manifest that does not exist is 404 MANIFEST_UNKNOWN, as the distribution spec says.
//
// It is served over TLS with a certificate for "*"+ACRSuffix (and each login server) signed
// by a CA of its own, appended to CAFile, and reached through an HTTP CONNECT proxy
// (ProxyURL) that only connects to the registries' login servers: set HTTPS_PROXY to it, as
// env.sh does, and a client resolves nothing, as Go's proxy support never proxies loopback
// addresses such as the control plane's.
type dataPlane struct {
	ts    *httptest.Server // TLS, the registries' login servers
	proxy *http.Server     // plain HTTP CONNECT proxy to ts
	plnr  net.Listener
	caPEM []byte
	pool  *x509.CertPool

	mu      sync.Mutex
	content map[string]http.Handler // by lowercased login server
	access  map[string]accessToken
	faults  []int // statuses the next registry API requests answer
}

// FailRegistry makes the next n requests to the registries' API (not the token endpoint)
// answer status, as a throttled (429) or failing (5xx) registry does.
func (s *Server) FailRegistry(status, n int) {
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	for range n {
		s.data.faults = append(s.data.faults, status)
	}
}

func (d *dataPlane) takeFault() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.faults) == 0 {
		return 0
	}
	st := d.faults[0]
	d.faults = d.faults[1:]
	return st
}

type accessToken struct {
	registry string          // login server
	pull     map[string]bool // repositories
	expires  time.Time
}

// startDataPlane starts the TLS registry server and the proxy in front of it.
func (s *Server) startDataPlane() error {
	ca, caKey, caPEM, err := newCA()
	if err != nil {
		return err
	}
	leaf, err := newLeaf(ca, caKey, []string{"*" + s.opts.ACRSuffix, "localhost"})
	if err != nil {
		return err
	}
	d := &dataPlane{caPEM: caPEM, pool: x509.NewCertPool(), content: map[string]http.Handler{}, access: map[string]accessToken{}}
	d.pool.AddCert(ca)
	d.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveRegistry))
	d.ts.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}}
	d.ts.StartTLS()
	if d.plnr, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		d.ts.Close()
		return err
	}
	d.proxy = &http.Server{Handler: http.HandlerFunc(s.serveProxy), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = d.proxy.Serve(d.plnr) }()
	s.data = d
	return nil
}

func (d *dataPlane) close() {
	_ = d.proxy.Close()
	d.ts.Close()
}

// ProxyURL is the HTTP CONNECT proxy through which clients reach the registries' login
// servers (for HTTPS_PROXY).
func (s *Server) ProxyURL() string { return "http://" + s.data.plnr.Addr().String() }

// RegistryTransport returns a transport that reaches the emulated registries: through
// ProxyURL, trusting the data plane's CA.
func (s *Server) RegistryTransport() *http.Transport {
	u, _ := url.Parse(s.ProxyURL())
	return &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: &tls.Config{RootCAs: s.data.pool}, ForceAttemptHTTP2: true}
}

// serveProxy is the CONNECT proxy: it tunnels to the data plane when the target is the login
// server of an emulated registry, and refuses anything else.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	host, _, err := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || err != nil || s.registryByLoginServer(host) == nil {
		http.Error(w, "fakeazure proxy: only CONNECT to an emulated registry's login server", http.StatusForbidden)
		return
	}
	upstream, err := net.Dial("tcp", s.data.ts.Listener.Addr().String())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		upstream.Close()
		http.Error(w, "fakeazure proxy: cannot hijack", http.StatusInternalServerError)
		return
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	_, _ = rw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n")
	_ = rw.Flush()
	go func() {
		_, _ = io.Copy(upstream, rw)
		upstream.Close()
	}()
	_, _ = io.Copy(conn, upstream)
	conn.Close()
}

func (s *Server) registryByLoginServer(host string) *Registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.st.registries {
		if strings.EqualFold(r.LoginServer, host) {
			return r
		}
	}
	return nil
}

// content returns the in-memory registry holding a login server's images.
func (d *dataPlane) registryContent(loginServer string) http.Handler {
	d.mu.Lock()
	defer d.mu.Unlock()
	k := strings.ToLower(loginServer)
	h, ok := d.content[k]
	if !ok {
		h = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
		d.content[k] = h
	}
	return h
}

// PushImage stores a small random image as loginServer/repository:tag and returns its digest.
// It pushes straight into the registry's content, past its authentication, over a loopback
// listener of its own.
func (s *Server) PushImage(loginServer, repository, tag string) (string, error) {
	side := httptest.NewServer(s.data.registryContent(loginServer))
	defer side.Close()
	ref, err := name.NewTag(strings.TrimPrefix(side.URL, "http://")+"/"+repository+":"+tag, name.Insecure)
	if err != nil {
		return "", err
	}
	img, err := random.Image(256, 1)
	if err != nil {
		return "", err
	}
	if err := remote.Write(ref, img); err != nil {
		return "", fmt.Errorf("pushing %s/%s:%s: %w", loginServer, repository, tag, err)
	}
	dg, err := img.Digest()
	return dg.String(), err
}

var repoPath = regexp.MustCompile(`^/v2/(.+)/(manifests|blobs|tags)/`)

// serveRegistry is a login server: the token endpoint, and the registry API behind it.
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	reg := s.registryByLoginServer(host)
	if reg == nil {
		registryError(w, http.StatusNotFound, "NAME_UNKNOWN", "fakeazure: no registry has the login server "+host)
		return
	}
	login := strings.ToLower(reg.LoginServer)
	switch {
	case r.URL.Path == "/oauth2/token" && r.Method == http.MethodGet:
		s.registryToken(w, r, reg)
		return
	case r.URL.Path == "/v2/" || r.URL.Path == "/v2":
		if _, ok := s.data.bearer(r, login); !ok {
			challenge(w, login, "")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}
	m := repoPath.FindStringSubmatch(r.URL.Path)
	if m == nil {
		registryError(w, http.StatusNotFound, "UNSUPPORTED", "fakeazure does not emulate "+r.Method+" "+r.URL.Path)
		return
	}
	repo := m[1]
	if st := s.data.takeFault(); st != 0 {
		registryError(w, st, "TOOMANYREQUESTS", "fakeazure injected fault")
		return
	}
	tok, ok := s.data.bearer(r, login)
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) || !tok.pull[repo] {
		challenge(w, login, repo)
		return
	}
	s.data.registryContent(login).ServeHTTP(w, r)
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"errors": []any{map[string]any{"code": code, "message": msg}}})
}

// challenge answers 401 with ACR's Bearer challenge for a pull of repo ("" for /v2/).
func challenge(w http.ResponseWriter, login, repo string) {
	c := fmt.Sprintf(`Bearer realm="https://%s/oauth2/token",service="%s"`, login, login)
	var detail []any
	if repo != "" {
		c += fmt.Sprintf(`,scope="repository:%s:pull"`, repo)
		detail = []any{map[string]any{"Type": "repository", "Name": repo, "Action": "pull"}}
	}
	w.Header().Set("WWW-Authenticate", c)
	writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []any{map[string]any{"code": "UNAUTHORIZED", "message": "authentication required", "detail": detail}}})
}

func (d *dataPlane) bearer(r *http.Request, login string) (accessToken, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return accessToken{}, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.access[tok]
	return at, ok && at.registry == login && time.Now().Before(at.expires)
}

var scopeRE = regexp.MustCompile(`^repository:([^:]+):([a-z*,]+)$`)

// registryToken is GET /oauth2/token with basic authentication.
func (s *Server) registryToken(w http.ResponseWriter, r *http.Request, reg *Registry) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	s.mu.Lock()
	may, ok := s.st.puller(reg, user, pass, s.now())
	s.mu.Unlock()
	if !ok {
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required, visit https://aka.ms/acr/authorization for more information")
		return
	}
	at := accessToken{registry: strings.ToLower(reg.LoginServer), pull: map[string]bool{}, expires: time.Now().Add(time.Hour)}
	for _, sc := range r.URL.Query()["scope"] {
		for _, one := range strings.Fields(sc) {
			m := scopeRE.FindStringSubmatch(one)
			if m != nil && slices.Contains(strings.Split(m[2], ","), "pull") && may(m[1]) {
				at.pull[m[1]] = true
			}
		}
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "fakeacr-" + hex.EncodeToString(b)
	s.data.mu.Lock()
	s.data.access[tok] = at
	s.data.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok})
}

// Role definitions whose pull the data plane honours, by registry mode.
var (
	legacyPullRoles = []string{"7f951dda-4ed3-4680-a7ca-43fe172d538d", "8311e382-0749-4cb8-b61a-304f252e45ec", // AcrPull, AcrPush
		"8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c", "acdd72a7-3385-48ef-bd42-f606fba81ae7"} // Owner, Contributor, Reader
	abacPullRoles = []string{"b93aa761-3e63-49ed-ac28-beffa264f7ac", "2a1e307c-b015-4ebd-883e-5b7698a07328", "2efddaa5-3f1f-4df3-97df-af3f13818f4c"} // Repository Reader, Writer, Contributor
)

// puller authenticates user and password against a registry and returns which repositories
// the identity may pull. Callers hold s.mu.
func (st *state) puller(reg *Registry, user, pass string, now time.Time) (func(repo string) bool, bool) {
	live := func(pcs []PasswordCredential) bool {
		return slices.ContainsFunc(pcs, func(pc PasswordCredential) bool {
			return pass != "" && pc.Secret == pass && !now.Before(pc.Start) && (pc.End.IsZero() || now.Before(pc.End))
		})
	}
	for _, t := range st.acrTokens {
		if t.RegistryID == reg.ID && t.Name == user {
			if !strings.EqualFold(t.Status, "enabled") || !live(t.Passwords) {
				return nil, false
			}
			var actions []string
			for _, m := range st.scopeMaps {
				if strings.EqualFold(m.ID, t.ScopeMapID) {
					actions = m.Actions
				}
			}
			return func(repo string) bool { return scopeMapPulls(actions, repo) }, true
		}
	}
	a, p := st.appByAppID(user), st.spByAppID(user)
	if a == nil || p == nil || !live(a.Passwords) {
		return nil, false
	}
	roles := legacyPullRoles
	if reg.RoleAssignmentMode == RoleModeABAC {
		roles = abacPullRoles
	}
	var grants []*RoleAssignment
	for _, ra := range st.assignments {
		if strings.EqualFold(ra.PrincipalID, p.ID) && atOrAbove(ra.Scope, reg.ID) && slices.Contains(roles, strings.ToLower(path.Base(ra.RoleDefinitionID))) {
			grants = append(grants, ra)
		}
	}
	return func(repo string) bool {
		return slices.ContainsFunc(grants, func(ra *RoleAssignment) bool {
			if ra.Condition == "" || reg.RoleAssignmentMode != RoleModeABAC {
				return true
			}
			c, err := parseCondition(ra.Condition)
			return err == nil && c.allowsPull(repo)
		})
	}, true
}

// scopeMapPulls reports whether scope-map actions grant content/read on repo: exactly, or
// through a trailing wildcard (repositories/team/*/content/read).
func scopeMapPulls(actions []string, repo string) bool {
	for _, a := range actions {
		r, ok := strings.CutPrefix(a, "repositories/")
		if !ok {
			continue
		}
		r, ok = strings.CutSuffix(r, "/content/read")
		if !ok {
			continue
		}
		if r == repo || (strings.HasSuffix(r, "/*") && strings.HasPrefix(repo, strings.TrimSuffix(r, "*"))) {
			return true
		}
	}
	return false
}

// newCA makes the data plane's certificate authority.
func newCA() (*x509.Certificate, *ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fakeazure registry EMULATOR CA (not Azure)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * 365 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, nil, err
	}
	return ca, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

// newLeaf makes the login servers' certificate.
func newLeaf(ca *x509.Certificate, caKey *ecdsa.PrivateKey, dns []string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: dns[0]}, DNSNames: dns,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * 365 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
