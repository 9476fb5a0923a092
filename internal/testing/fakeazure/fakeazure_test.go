package fakeazure_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
)

func start(t *testing.T, o fakeazure.Options) *fakeazure.Server {
	t.Helper()
	srv, err := fakeazure.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// credential authenticates to the emulator with azidentity, trusting the emulator through
// the transport (the alternative to SSL_CERT_FILE).
func credential(t *testing.T, srv *fakeazure.Server, clientID, secret string) azcore.TokenCredential {
	t.Helper()
	cred, err := azidentity.NewClientSecretCredential(srv.TenantID(), clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL() + "/"},
			Transport: srv.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
		DisableInstanceDiscovery: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cred
}

func token(t *testing.T, cred azcore.TokenCredential, scope string) string {
	t.Helper()
	tok, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		t.Fatalf("GetToken(%s): %v", scope, err)
	}
	return tok.Token
}

type client struct {
	t     *testing.T
	srv   *fakeazure.Server
	arm   string
	graph string
}

func newClient(t *testing.T, srv *fakeazure.Server) *client {
	cred := credential(t, srv, srv.ClientID(), srv.ClientSecret())
	return &client{t: t, srv: srv,
		arm:   token(t, cred, fakeazure.DefaultARMAudience+"/.default"),
		graph: token(t, cred, srv.GraphAudience()+".default"),
	}
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (c *client) do(method, path string, body any, out any) *http.Response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.srv.URL()+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	tok := c.arm
	if strings.HasPrefix(path, "/v1.0/") {
		tok = c.graph
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.srv.Client().Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && err != io.EOF {
			c.t.Fatal(err)
		}
	}
	return resp
}

func TestFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := start(t, fakeazure.Options{Dir: dir, Registries: []fakeazure.Registry{{Name: "demo"}}})
	b, err := os.ReadFile(srv.CloudFile())
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Endpoints map[string]string `json:"endpoints"`
		Suffixes  map[string]string `json:"suffixes"`
	}
	if err := json.Unmarshal(b, &file); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]map[string]string{"endpoints": file.Endpoints, "suffixes": file.Suffixes}
	for _, k := range []string{"activeDirectory", "resourceManager", "activeDirectoryResourceId", "microsoftGraphResourceId"} {
		if cfg["endpoints"][k] == "" {
			t.Errorf("cloud file lacks endpoints.%s", k)
		}
	}
	if cfg["suffixes"]["acrLoginServerEndpoint"] != ".azurecr.io" {
		t.Errorf("suffixes = %v", cfg["suffixes"])
	}
	ca, err := os.ReadFile(srv.CAFile())
	if err != nil || !bytes.HasPrefix(ca, []byte("-----BEGIN CERTIFICATE-----")) {
		t.Errorf("CA file: %v %q", err, ca)
	}
	env, err := os.ReadFile(srv.EnvFile())
	if err != nil || !strings.Contains(string(env), "EMULATOR") || !strings.Contains(string(env), "export SSL_CERT_FILE=") {
		t.Errorf("env file: %v\n%s", err, env)
	}
	if regs := srv.Registries(); len(regs) != 1 || regs[0].LoginServer != "demo.azurecr.io" || regs[0].ResourceGroup == "" {
		t.Errorf("registries = %+v", regs)
	}
}

func TestTokens(t *testing.T) {
	t.Parallel()
	srv := start(t, fakeazure.Options{})
	cred := credential(t, srv, srv.ClientID(), srv.ClientSecret())
	armTok := token(t, cred, fakeazure.DefaultARMAudience+"/.default")
	if !strings.HasPrefix(armTok, "fakeazure-arm-") {
		t.Errorf("token %q", armTok)
	}
	bad := credential(t, srv, srv.ClientID(), "wrong")
	if _, err := bad.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{fakeazure.DefaultARMAudience + "/.default"}}); err == nil ||
		!strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("a wrong secret: %v", err)
	}
	if _, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://vault.azure.net/.default"}}); err == nil {
		t.Error("an unknown resource got a token")
	}

	// An ARM token does not open Graph, and no token opens nothing.
	c := newClient(t, srv)
	c.graph = c.arm
	if resp := c.do("GET", "/v1.0/applications", nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("Graph with an ARM token: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/subscriptions/"+srv.SubscriptionID()+"/providers/Microsoft.ContainerRegistry/registries", nil)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d", resp.StatusCode)
	}
}

func TestReplicationDelayAndSecrets(t *testing.T) {
	t.Parallel()
	srv := start(t, fakeazure.Options{})
	c := newClient(t, srv)
	srv.SetReplicationDelay(2)
	var app struct{ ID, AppID string }
	if resp := c.do("POST", "/v1.0/applications", map[string]any{"displayName": "x"}, &app); resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	var codes []int
	for range 3 {
		codes = append(codes, c.do("GET", "/v1.0/applications/"+app.ID, nil, nil).StatusCode)
	}
	if codes[0] != 404 || codes[1] != 404 || codes[2] != 200 {
		t.Errorf("reads after create: %v, want 404 404 200", codes)
	}
	var pw struct {
		KeyID, SecretText string
	}
	c.do("POST", "/v1.0/applications/"+app.ID+"/addPassword", map[string]any{"passwordCredential": map[string]any{"displayName": "acrgen"}}, &pw)
	if pw.SecretText == "" {
		t.Fatal("no secret")
	}
	var sp struct{ ID string }
	if resp := c.do("POST", "/v1.0/servicePrincipals", map[string]any{"appId": app.AppID}, &sp); resp.StatusCode != http.StatusCreated {
		t.Fatalf("sp create: %d", resp.StatusCode)
	}
	// The new principal authenticates with its secret.
	token(t, credential(t, srv, app.AppID, pw.SecretText), srv.GraphAudience()+".default")

	reg, _ := srv.AddRegistry(fakeazure.Registry{Name: "r1"})
	body := map[string]any{"properties": map[string]any{
		"roleDefinitionId": "/subscriptions/" + srv.SubscriptionID() + "/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d",
		"principalId":      sp.ID, "principalType": "ServicePrincipal",
	}}
	path := reg.ID + "/providers/Microsoft.Authorization/roleAssignments/11111111-2222-4333-8444-555555555555?api-version=2022-04-01"
	var got []int
	var errBody struct{ Error struct{ Code string } }
	for range 4 {
		got = append(got, c.do("PUT", path, body, &errBody).StatusCode)
	}
	if want := []int{400, 400, 201, 409}; !equal(got, want) {
		t.Errorf("role assignment PUTs: %v, want %v", got, want)
	}
	if errBody.Error.Code != "RoleAssignmentExists" {
		t.Errorf("409 code %q", errBody.Error.Code)
	}
	// Writes: app create, addPassword, SP create, 4 PUTs.
	if n := srv.WriteCalls(); n != 7 {
		t.Errorf("WriteCalls = %d, want 7", n)
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv := start(t, fakeazure.Options{Registries: []fakeazure.Registry{{Name: "a"}, {Name: "b"}, {Name: "c"}}, PageSize: 2})
	c := newClient(t, srv)
	list := "/subscriptions/" + srv.SubscriptionID() + "/providers/Microsoft.ContainerRegistry/registries?api-version=2023-07-01"
	srv.Inject(fakeazure.Fault{Op: fakeazure.OpListRegistries, Status: 429, RetryAfter: 2 * time.Second, Times: 1})
	srv.Inject(fakeazure.Fault{Op: fakeazure.OpListRegistries, Status: 503, RetryAfter: 30 * time.Millisecond, Times: 1})
	srv.Inject(fakeazure.Fault{Op: fakeazure.OpGetRegistry, Status: 403})
	resp := c.do("GET", list, nil, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("429: %d %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	resp = c.do("GET", list, nil, nil)
	if resp.StatusCode != 503 || resp.Header.Get("retry-after-ms") != "30" {
		t.Errorf("503: %d %q", resp.StatusCode, resp.Header.Get("retry-after-ms"))
	}
	var page struct {
		Value    []struct{ Name string }
		NextLink string
	}
	if resp := c.do("GET", list, nil, &page); resp.StatusCode != 200 || len(page.Value) != 2 || page.NextLink == "" {
		t.Fatalf("page 1: %d %+v", resp.StatusCode, page)
	}
	next := strings.TrimPrefix(page.NextLink, srv.URL())
	page.NextLink = ""
	if c.do("GET", next, nil, &page); len(page.Value) != 1 || page.NextLink != "" {
		t.Errorf("page 2: %+v", page)
	}
	var e struct{ Error struct{ Code string } }
	for range 2 {
		if resp := c.do("GET", srv.Registries()[0].ID+"?api-version=2023-07-01", nil, &e); resp.StatusCode != 403 || e.Error.Code != "AuthorizationFailed" {
			t.Errorf("403: %d %q", resp.StatusCode, e.Error.Code)
		}
	}
	srv.ClearFaults()
	if resp := c.do("GET", srv.Registries()[0].ID+"?api-version=2023-07-01", nil, nil); resp.StatusCode != 200 {
		t.Errorf("after ClearFaults: %d", resp.StatusCode)
	}
	if srv.WriteCalls() != 0 {
		t.Error("reads counted as writes")
	}
	var statuses []int
	for _, call := range srv.Calls() {
		if call.Op == fakeazure.OpListRegistries {
			statuses = append(statuses, call.Status)
		}
	}
	if want := []int{429, 503, 200, 200}; !equal(statuses, want) {
		t.Errorf("logged list statuses %v, want %v", statuses, want)
	}
}

func TestFilters(t *testing.T) {
	t.Parallel()
	srv := start(t, fakeazure.Options{})
	c := newClient(t, srv)
	srv.AddApplication("it's")
	srv.AddApplication("other")
	var res struct {
		Value []struct{ DisplayName string }
	}
	c.do("GET", "/v1.0/applications?$filter=displayName%20eq%20%27it%27%27s%27", nil, &res)
	if len(res.Value) != 1 || res.Value[0].DisplayName != "it's" {
		t.Errorf("filter with a quote: %+v", res.Value)
	}
	if resp := c.do("GET", "/v1.0/applications?$filter=startswith(displayName,'x')", nil, nil); resp.StatusCode != 400 {
		t.Errorf("unsupported filter: %d", resp.StatusCode)
	}
}
