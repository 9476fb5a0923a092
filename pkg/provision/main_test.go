package provision_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/pkg/provision"
)

// TestMain points the process at the fake Azure exactly as a user of the binary would:
// SSL_CERT_FILE trusts the emulator's certificate (every httptest server shares it), and
// the AZURE_* variables give DefaultAzureCredential a client secret for the emulated tenant.
// Each test then starts its own emulator and reads its cloud file with ParseCloud.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		srv, err := fakeazure.Start(fakeazure.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ca, err := os.ReadFile(srv.CAFile())
		srv.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		dir, err := os.MkdirTemp("", "provision-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		caFile := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(caFile, ca, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		for _, k := range []string{"AZURE_TOKEN_CREDENTIALS", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME",
			"AZURE_PASSWORD", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"} {
			os.Unsetenv(k)
		}
		os.Setenv("SSL_CERT_FILE", caFile)
		os.Setenv("AZURE_TENANT_ID", fakeazure.DefaultTenantID)
		os.Setenv("AZURE_CLIENT_ID", fakeazure.DefaultClientID)
		os.Setenv("AZURE_CLIENT_SECRET", fakeazure.DefaultClientSecret)
		return m.Run()
	}())
}

// testEnv is one emulator with the credential and cloud pointing at it.
type testEnv struct {
	srv      *fakeazure.Server
	cloud    provision.Cloud
	cred     azcore.TokenCredential
	reg      fakeazure.Registry
	now      time.Time
	progress *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A login server that is not name+suffix, to prove it is read from ARM.
const loginServer = "myregistry-h7d2ecb4a3.azurecr.io"

func newEnv(t *testing.T, o fakeazure.Options) *testEnv {
	t.Helper()
	o.Dir = t.TempDir()
	if o.Registries == nil {
		o.Registries = []fakeazure.Registry{
			{ResourceGroup: "other", Name: "otherregistry"},
			{ResourceGroup: "rg-acr", Name: "myregistry", LoginServer: loginServer},
			{ResourceGroup: "rg-acr", Name: "thirdregistry"},
		}
	}
	srv, err := fakeazure.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	c, err := provision.ParseCloud(srv.CloudFile())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := provision.NewCredential(c, "")
	if err != nil {
		t.Fatal(err)
	}
	var reg fakeazure.Registry
	for _, r := range srv.Registries() {
		if r.Name == "myregistry" {
			reg = r
		}
	}
	return &testEnv{srv: srv, cloud: c, cred: cred, reg: reg, now: time.Now().UTC().Truncate(time.Second), progress: &syncBuffer{}}
}

// options returns fast, deterministic options for a service principal named acr-pull-test.
func (e *testEnv) options() provision.Options {
	return provision.Options{
		Cloud:          e.cloud,
		SubscriptionID: e.srv.SubscriptionID(),
		Registry:       "myregistry",
		SPName:         "acr-pull-test",
		Progress:       e.progress,
		Now:            func() time.Time { return e.now },
		ClientOptions: azcore.ClientOptions{
			Retry: policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 3 * time.Second},
		},
		Replication: provision.ReplicationOptions{Timeout: 2 * time.Second, Delay: time.Millisecond, MaxDelay: 4 * time.Millisecond},
	}
}

func (e *testEnv) provision(t *testing.T, o provision.Options) (*provision.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := provision.Provision(ctx, e.cred, o)
	e.checkNoLeak(t, res, err)
	return res, err
}

func (e *testEnv) mustProvision(t *testing.T, o provision.Options) *provision.Result {
	t.Helper()
	res, err := e.provision(t, o)
	if err != nil {
		t.Fatalf("Provision: %v\nprogress:\n%s", err, e.progress)
	}
	return res
}

// secrets returns every secret the emulator ever handed out and still holds.
func (e *testEnv) secrets() []string {
	var out []string
	for _, a := range e.srv.Applications() {
		for _, p := range a.Passwords {
			out = append(out, p.Secret)
		}
	}
	for _, tk := range e.srv.Tokens() {
		for _, p := range tk.Passwords {
			out = append(out, p.Secret)
		}
	}
	return out
}

// checkNoLeak asserts that no secret appears in the progress output, the error, or the
// result printed in every way fmt can print it.
func (e *testEnv) checkNoLeak(t *testing.T, res *provision.Result, err error) {
	t.Helper()
	var texts []string
	texts = append(texts, e.progress.String())
	if err != nil {
		texts = append(texts, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
	}
	if res != nil {
		texts = append(texts, fmt.Sprintf("%v", res), fmt.Sprintf("%+v", *res), fmt.Sprintf("%#v", *res),
			fmt.Sprintf("%s %q %x", res.Password, res.Password, res.Password))
	}
	for _, s := range e.secrets() {
		for _, txt := range texts {
			if s != "" && strings.Contains(txt, s) {
				t.Fatalf("a secret leaked into output: %q", txt)
			}
		}
	}
}

func (e *testEnv) app(t *testing.T, displayName string) fakeazure.Application {
	t.Helper()
	var hits []fakeazure.Application
	for _, a := range e.srv.Applications() {
		if a.DisplayName == displayName {
			hits = append(hits, a)
		}
	}
	if len(hits) != 1 {
		t.Fatalf("want one application %q, have %d", displayName, len(hits))
	}
	return hits[0]
}

func (e *testEnv) sp(t *testing.T, appID string) fakeazure.ServicePrincipal {
	t.Helper()
	var hits []fakeazure.ServicePrincipal
	for _, p := range e.srv.ServicePrincipals() {
		if p.AppID == appID {
			hits = append(hits, p)
		}
	}
	if len(hits) != 1 {
		t.Fatalf("want one service principal for %s, have %d", appID, len(hits))
	}
	return hits[0]
}

func writesByOp(calls []fakeazure.Call) map[fakeazure.Op]int {
	m := map[fakeazure.Op]int{}
	for _, c := range calls {
		if c.Write() {
			m[c.Op]++
		}
	}
	return m
}
