package online_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/crash"
	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/pkg/online"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

const (
	acrPull          = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
	repositoryReader = "b93aa761-3e63-49ed-ac28-beffa264f7ac"
)

// world is an emulated registry holding app:v1 and other:v1, and a service principal.
type world struct {
	srv         *fakeazure.Server
	reg         fakeazure.Registry
	appID, spID string
	password    string
}

func newWorld(t *testing.T, mode string) *world {
	t.Helper()
	pw := fakeazure.NewPullWorld(t, mode)
	return &world{srv: pw.Server, reg: pw.Registry, appID: pw.App.AppID, spID: pw.SPID, password: pw.Password.Secret}
}

func (w *world) check(t *testing.T, user, password string, images ...string) []online.Result {
	t.Helper()
	var refs []string
	for _, img := range images {
		refs = append(refs, w.reg.LoginServer+"/"+img)
	}
	res := online.Check(context.Background(), w.reg.LoginServer, user, []byte(password), refs, online.Options{
		Transport: w.srv.RegistryTransport(), Timeout: 10 * time.Second,
		Backoff: remote.Backoff{Duration: time.Millisecond, Factor: 2, Steps: 3},
	})
	if len(res) != len(images) {
		t.Fatalf("%d results for %d images", len(res), len(images))
	}
	for _, r := range res {
		if password != "" && (strings.Contains(r.Detail, password) || strings.Contains(fmt.Sprintf("%+v", r), password)) {
			t.Fatalf("the password leaked into %+v", r)
		}
	}
	return res
}

func statuses(res []online.Result) string {
	var out []string
	for _, r := range res {
		out = append(out, r.Status.String())
	}
	return strings.Join(out, "; ")
}

func expect(t *testing.T, res []online.Result, want ...online.Status) {
	t.Helper()
	for i, r := range res {
		if r.Status != want[i] {
			t.Errorf("%s: %s (%s), want %s; all: %s", r.Image, r.Status, r.Detail, want[i], statuses(res))
		}
	}
}

func TestLegacyRoles(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	// No role yet: the credential authenticates, and may pull nothing.
	expect(t, w.check(t, w.appID, w.password, "app:v1"), online.NoPermission)
	w.srv.AddRoleAssignment(w.reg.ID, acrPull, w.spID)
	expect(t, w.check(t, w.appID, w.password, "app:v1", "app:nope", "missing:v1", "team/api@sha256:"+strings.Repeat("0", 64)),
		online.Pulls, online.ManifestUnknown, online.ManifestUnknown, online.ManifestUnknown)
	expect(t, w.check(t, w.appID, "not-the-password", "app:v1"), online.CredentialRejected)
	expect(t, w.check(t, "00000000-0000-4000-8000-000000000000", w.password, "app:v1"), online.CredentialRejected)
}

func TestExpiredPasswordIsRejected(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	w.srv.AddRoleAssignment(w.reg.ID, acrPull, w.spID)
	app := w.srv.Applications()[0]
	old, err := w.srv.AddApplicationPassword(app.ID, "acrgen", time.Now().Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, w.check(t, w.appID, old.Secret, "app:v1"), online.CredentialRejected)
}

// In ABAC mode AcrPull is not honoured; the repository-reader role is, within its condition.
func TestABACMode(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeazure.RoleModeABAC)
	w.srv.AddRoleAssignment(w.reg.ID, acrPull, w.spID)
	expect(t, w.check(t, w.appID, w.password, "app:v1"), online.NoPermission)
	cond := "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND " +
		"!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR " +
		"(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'app' OR " +
		"@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team/'))"
	w.srv.AddRoleAssignment(w.reg.ID, repositoryReader, w.spID, cond)
	expect(t, w.check(t, w.appID, w.password, "app:v1", "team/api:v1", "other:v1"), online.Pulls, online.Pulls, online.NoPermission)
	// The same registry back in the legacy mode: AcrPull counts again, the reader role not.
	if err := w.srv.SetRoleAssignmentMode("myregistry", fakeazure.RoleModeLegacy); err != nil {
		t.Fatal(err)
	}
	expect(t, w.check(t, w.appID, w.password, "other:v1"), online.Pulls)
}

func TestTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	pw := w.srv.AddToken(w.reg.ID, "staging-pull", []string{"repositories/app/content/read", "repositories/app/metadata/read", "repositories/team/*/content/read"}, time.Now().Add(time.Hour))
	expect(t, w.check(t, "staging-pull", pw, "app:v1", "team/api:v1", "other:v1", "app:nope"),
		online.Pulls, online.Pulls, online.NoPermission, online.ManifestUnknown)
	expect(t, w.check(t, "staging-pull", "wrong", "app:v1"), online.CredentialRejected)
	w.srv.SetTokenStatus("staging-pull", "disabled")
	expect(t, w.check(t, "staging-pull", pw, "app:v1"), online.CredentialRejected)
}

// 429 and 503 are retried; a registry that keeps failing is an error, not a verdict.
func TestRetriesAndFailures(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	w.srv.AddRoleAssignment(w.reg.ID, acrPull, w.spID)
	w.srv.FailRegistry(429, 1)
	w.srv.FailRegistry(503, 1)
	expect(t, w.check(t, w.appID, w.password, "app:v1"), online.Pulls)
	w.srv.FailRegistry(503, 10)
	res := w.check(t, w.appID, w.password, "app:v1")
	expect(t, res, online.Failed)
	if !strings.Contains(res[0].Detail, "503") {
		t.Errorf("detail %q does not give the status", res[0].Detail)
	}
	// An image on another registry, and a registry that is not there.
	res = online.Check(context.Background(), w.reg.LoginServer, w.appID, []byte(w.password), []string{"docker.io/library/nginx:1", "not a reference"}, online.Options{})
	expect(t, res, online.Failed, online.Failed)
	res = online.Check(context.Background(), "127.0.0.1:1", w.appID, []byte(w.password), []string{"127.0.0.1:1/app:v1"}, online.Options{Timeout: 2 * time.Second, Backoff: remote.Backoff{Duration: time.Millisecond, Steps: 1}})
	expect(t, res, online.Failed)
}

// Many images: the bounded pool answers each, in order.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	w.srv.AddRoleAssignment(w.reg.ID, acrPull, w.spID)
	var imgs []string
	var want []online.Status
	for i := range 20 {
		if i%2 == 0 {
			imgs, want = append(imgs, "app:v1"), append(want, online.Pulls)
		} else {
			imgs, want = append(imgs, fmt.Sprintf("app:t%d", i)), append(want, online.ManifestUnknown)
		}
	}
	expect(t, w.check(t, w.appID, w.password, imgs...), want...)
}

// panicky is a transport that panics, as a bug below Check would.
type panicky struct{}

func (panicky) RoundTrip(*http.Request) (*http.Response, error) { panic("transport bug") }

// A panic in one of Check's question goroutines does not end the process from there: it is
// raised again in Check's caller, where acrgen's main recovers it (an internal error, exit 70).
func TestPanicReachesTheCaller(t *testing.T) {
	t.Parallel()
	p := crash.Capture(func() {
		online.Check(context.Background(), "myregistry.azurecr.io", "u", []byte("p"), []string{"myregistry.azurecr.io/app:v1", "myregistry.azurecr.io/app:v2"}, online.Options{Transport: panicky{}})
	})
	if p == nil || p.Value != "transport bug" {
		t.Fatalf("Check's caller saw %+v, want the goroutine's panic", p)
	}
}

// A registry whose challenge names a token endpoint on another host never gets the credential
// sent there: go-containerregistry follows any public realm with the username and password, and
// ACR's realm is always its own login server (https://<login server>/oauth2/token).
func TestCredentialGoesToTheRegistryOnly(t *testing.T) {
	t.Parallel()
	const registry, elsewhere, password = "myregistry.azurecr.io", "login.elsewhere.example", "hunter2-secret"
	var leaked atomic.Bool
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Host, elsewhere) {
			if _, pw, ok := r.BasicAuth(); ok && pw == password {
				leaked.Store(true)
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token":"tok"}`)
			return
		}
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="https://`+elsewhere+`/token",service="`+registry+`"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Docker-Content-Digest", "sha256:"+strings.Repeat("a", 64))
		w.Header().Set("Content-Length", "2")
	}))
	t.Cleanup(srv.Close)
	// Both hosts reach the test server.
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // the test server's certificate names neither host
	}
	res := online.Check(context.Background(), registry, "app", []byte(password), []string{registry + "/app:v1"}, online.Options{
		Transport: tr, Timeout: 10 * time.Second, Backoff: remote.Backoff{Duration: time.Millisecond, Steps: 1},
	})
	if leaked.Load() {
		t.Fatalf("the password was sent to %s; result %+v", elsewhere, res)
	}
	expect(t, res, online.Failed)
	if !strings.Contains(res[0].Detail, elsewhere) || strings.Contains(res[0].Detail, password) {
		t.Errorf("detail %q does not name the other host, or holds the password", res[0].Detail)
	}
}
