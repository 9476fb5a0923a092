package fakeazure

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Obviously fake identifiers used when [Options] leaves them empty.
const (
	DefaultTenantID       = "11111111-1111-4111-8111-111111111111"
	DefaultSubscriptionID = "22222222-2222-4222-8222-222222222222"
	DefaultClientID       = "33333333-3333-4333-8333-333333333333"
	DefaultClientSecret   = "fakeazure-not-a-real-secret"
	// DefaultARMAudience is the ARM token audience written to the cloud file, the same as the
	// public cloud's, so the SDK requests the familiar double-slash scope.
	DefaultARMAudience = "https://management.core.windows.net/"
)

// Options configures [Start]. Every zero value has a documented default.
type Options struct {
	// Dir receives ca.pem, cloud.json and env.sh. Empty means a new temporary directory that
	// [Server.Close] removes.
	Dir string
	// Addr is the listen address. Empty means 127.0.0.1 on a free port.
	Addr string
	// TenantID, SubscriptionID, ClientID and ClientSecret identify the tenant, the subscription
	// and the caller's own client-credentials identity. Empty means the Default* constants.
	TenantID, SubscriptionID, ClientID, ClientSecret string
	// ACRSuffix is the login-server suffix written to the cloud file and used for seeded
	// registries without a LoginServer. Empty means ".azurecr.io".
	ACRSuffix string
	// ARMAudience is the ARM token audience. Empty means [DefaultARMAudience].
	ARMAudience string
	// PageSize splits list responses into pages of this many items linked by nextLink (ARM)
	// or @odata.nextLink (Graph). Zero means one page.
	PageSize int
	// Registries are created before the server starts.
	Registries []Registry
	// SubscriptionTenantID is the tenant that owns the subscription, its registries and the
	// directory of applications: ARM and Graph accept only tokens issued in it, as Azure
	// answers a token from another tenant with 401 InvalidAuthenticationTokenTenant. The
	// caller identity (ClientID) can get tokens in both tenants, as a multi-tenant
	// application consented in both can. Empty means TenantID.
	SubscriptionTenantID string
}

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	ts      *httptest.Server
	dir     string
	tempDir bool

	mu         sync.Mutex
	st         state
	calls      []Call
	faults     []*faultState
	replDelay  int
	tokens     map[string]issuedToken
	policy     AppPolicy
	data       *dataPlane
	caFile     string
	cloudFile  string
	envFile    string
	closedOnce sync.Once
}

type issuedToken struct {
	audience string // "arm" or "graph"
	clientID string
	tenant   string
}

// Start starts an emulator on a local TLS listener and writes its CA certificate, cloud file
// and environment file. Call [Server.Close] when done.
func Start(opts Options) (*Server, error) {
	if opts.TenantID == "" {
		opts.TenantID = DefaultTenantID
	}
	if opts.SubscriptionID == "" {
		opts.SubscriptionID = DefaultSubscriptionID
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.ACRSuffix == "" {
		opts.ACRSuffix = ".azurecr.io"
	}
	if opts.ARMAudience == "" {
		opts.ARMAudience = DefaultARMAudience
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.SubscriptionTenantID == "" {
		opts.SubscriptionTenantID = opts.TenantID
	}
	s := &Server{opts: opts, tokens: map[string]issuedToken{}}
	s.st.init(opts)
	for _, r := range opts.Registries {
		if _, err := s.AddRegistry(r); err != nil {
			return nil, err
		}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", opts.Addr, err)
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Listener = ln
	s.ts.StartTLS()
	if err := s.startDataPlane(); err != nil {
		s.ts.Close()
		return nil, fmt.Errorf("starting the registry data plane: %w", err)
	}

	s.dir = opts.Dir
	if s.dir == "" {
		d, err := os.MkdirTemp("", "fakeazure-")
		if err != nil {
			s.ts.Close()
			return nil, fmt.Errorf("creating a directory for the emulator files: %w", err)
		}
		s.dir, s.tempDir = d, true
	} else if err := os.MkdirAll(s.dir, 0o755); err != nil {
		s.ts.Close()
		return nil, fmt.Errorf("creating %s: %w", s.dir, err)
	}
	if err := s.writeFiles(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the server and removes the files [Start] wrote into a temporary directory.
func (s *Server) Close() {
	s.closedOnce.Do(func() {
		s.data.close()
		s.ts.Close()
		if s.tempDir {
			_ = os.RemoveAll(s.dir)
		}
	})
}

// URL is the server's base URL, https://127.0.0.1:PORT.
func (s *Server) URL() string { return s.ts.URL }

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// CAFile is the path of the PEM file holding the certificates to trust (for SSL_CERT_FILE):
// the control plane's, which all emulators in one process share (httptest's), and this
// emulator's registry data plane CA.
func (s *Server) CAFile() string { return s.caFile }

// CloudFile is the path of the custom cloud JSON file (az cloud register --cloud-config shape).
func (s *Server) CloudFile() string { return s.cloudFile }

// EnvFile is the path of a shell file exporting SSL_CERT_FILE and the AZURE_* variables that
// authenticate to the emulator, for scripts (`. env.sh`).
func (s *Server) EnvFile() string { return s.envFile }

// SubscriptionTenantID returns the tenant that owns the subscription.
func (s *Server) SubscriptionTenantID() string { return s.opts.SubscriptionTenantID }

// TenantID returns the caller identity's home tenant (AZURE_TENANT_ID).
func (s *Server) TenantID() string { return s.opts.TenantID }

// SubscriptionID returns the emulated subscription.
func (s *Server) SubscriptionID() string { return s.opts.SubscriptionID }

// ClientID returns the caller identity's client ID accepted by the token endpoint.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret returns the caller identity's client secret accepted by the token endpoint.
// It is a fixed, obviously fake value.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// GraphAudience is the Graph resource ID written to the cloud file (the server URL with a
// trailing slash, as az uses microsoftGraphResourceId as both audience and endpoint).
func (s *Server) GraphAudience() string { return s.ts.URL + "/" }

// Env returns the environment (KEY=value) that points DefaultAzureCredential and TLS
// verification at the emulator: SSL_CERT_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID,
// AZURE_CLIENT_SECRET and AZURE_SUBSCRIPTION_ID.
func (s *Server) Env() []string {
	return []string{
		"SSL_CERT_FILE=" + s.caFile,
		"AZURE_TENANT_ID=" + s.opts.TenantID,
		"AZURE_CLIENT_ID=" + s.opts.ClientID,
		"AZURE_CLIENT_SECRET=" + s.opts.ClientSecret,
		"AZURE_SUBSCRIPTION_ID=" + s.opts.SubscriptionID,
	}
}

// CloudConfig is the custom cloud file's shape, the subset of `az cloud register
// --cloud-config` that acrgen reads.
type CloudConfig struct {
	Name      string              `json:"name,omitempty"`
	Endpoints CloudConfigEndpoint `json:"endpoints"`
	Suffixes  CloudConfigSuffixes `json:"suffixes"`
}

// CloudConfigEndpoint holds the endpoints of a [CloudConfig].
type CloudConfigEndpoint struct {
	ActiveDirectory           string `json:"activeDirectory"`
	ResourceManager           string `json:"resourceManager"`
	ActiveDirectoryResourceID string `json:"activeDirectoryResourceId"`
	MicrosoftGraphResourceID  string `json:"microsoftGraphResourceId"`
}

// CloudConfigSuffixes holds the suffixes of a [CloudConfig].
type CloudConfigSuffixes struct {
	ACRLoginServerEndpoint string `json:"acrLoginServerEndpoint"`
}

// Cloud returns the cloud configuration written to [Server.CloudFile].
func (s *Server) Cloud() CloudConfig {
	return CloudConfig{
		Name: "FakeAzure",
		Endpoints: CloudConfigEndpoint{
			ActiveDirectory:           s.ts.URL,
			ResourceManager:           s.ts.URL + "/",
			ActiveDirectoryResourceID: s.opts.ARMAudience,
			MicrosoftGraphResourceID:  s.GraphAudience(),
		},
		Suffixes: CloudConfigSuffixes{ACRLoginServerEndpoint: s.opts.ACRSuffix},
	}
}

func (s *Server) writeFiles() error {
	s.caFile = filepath.Join(s.dir, "ca.pem")
	s.cloudFile = filepath.Join(s.dir, "cloud.json")
	s.envFile = filepath.Join(s.dir, "env.sh")

	ca := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ts.Certificate().Raw}), s.data.caPEM...)
	if err := writeAtomic(s.caFile, ca); err != nil {
		return err
	}
	cloud, err := json.MarshalIndent(s.Cloud(), "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(s.cloudFile, append(cloud, '\n')); err != nil {
		return err
	}
	var env strings.Builder
	env.WriteString("# fakeazure: a local Azure EMULATOR, not Azure. Credentials below are fake.\n")
	for _, kv := range s.Env() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&env, "export %s='%s'\n", k, v)
	}
	fmt.Fprintf(&env, "export FAKEAZURE_CLOUD_FILE='%s'\n", s.cloudFile)
	fmt.Fprintf(&env, "export FAKEAZURE_URL='%s'\n", s.ts.URL)
	fmt.Fprintf(&env, "# the registries' login servers are reached through the emulator's proxy\nexport HTTPS_PROXY='%s'\n", s.ProxyURL())
	return writeAtomic(s.envFile, []byte(env.String()))
}

func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Call is one logged request.
type Call struct {
	Method string
	Path   string // URL path, unescaped
	Query  string // raw query
	Op     Op     // the emulated operation, "" when none matched
	Status int
}

// Write reports whether the call was a write: anything but GET or HEAD, except token requests.
func (c Call) Write() bool {
	return c.Method != http.MethodGet && c.Method != http.MethodHead && c.Op != OpAADToken
}

// Calls returns a copy of the call log.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// WriteCalls returns the number of write calls (see [Call.Write]) logged.
func (s *Server) WriteCalls() int {
	n := 0
	for _, c := range s.Calls() {
		if c.Write() {
			n++
		}
	}
	return n
}

// CountOp returns how many logged calls matched op.
func (s *Server) CountOp(op Op) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Op == op {
			n++
		}
	}
	return n
}

// ResetCalls empties the call log.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = nil
}

func (s *Server) now() time.Time { return time.Now().UTC() }
