package provision_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/pkg/provision"
)

const acrPullGUID = "7f951dda-4ed3-4680-a7ca-43fe172d538d"

func TestCreateServicePrincipal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{PageSize: 1}) // one item per page: paging is followed
	res := e.mustProvision(t, e.options())

	app := e.app(t, "acr-pull-test")
	sp := e.sp(t, app.AppID)
	if res.LoginServer != loginServer || res.RegistryID != e.reg.ID {
		t.Errorf("registry = %q %q, want %q %q", res.LoginServer, res.RegistryID, loginServer, e.reg.ID)
	}
	if res.Username != app.AppID || res.AppID != app.AppID || res.ObjectID != sp.ID {
		t.Errorf("username/appId/objectId = %q/%q/%q, want %q/%q/%q", res.Username, res.AppID, res.ObjectID, app.AppID, app.AppID, sp.ID)
	}
	if len(app.Passwords) != 1 || app.Passwords[0].DisplayName != provision.PasswordLabel {
		t.Fatalf("application passwords = %+v, want one labelled %q", app.Passwords, provision.PasswordLabel)
	}
	if got := string(res.Password.Bytes()); got != app.Passwords[0].Secret {
		t.Errorf("returned password is not the one Graph created")
	}
	if res.NeedsPassword || res.CredentialID.Kind != provision.CredentialServicePrincipal {
		t.Errorf("NeedsPassword=%v CredentialID=%v, want false and a service principal password", res.NeedsPassword, res.CredentialID)
	}
	if want := e.now.AddDate(1, 0, 0); !res.Expires.Equal(want) || !app.Passwords[0].End.Equal(want) {
		t.Errorf("expires %s (Graph %s), want %s", res.Expires, app.Passwords[0].End, want)
	}
	ras := e.srv.RoleAssignments()
	if len(ras) != 1 || ras[0].PrincipalID != sp.ID || ras[0].Scope != e.reg.ID || !strings.HasSuffix(ras[0].RoleDefinitionID, acrPullGUID) ||
		ras[0].PrincipalType != "ServicePrincipal" {
		t.Errorf("role assignments = %+v, want AcrPull for %s at %s", ras, sp.ID, e.reg.ID)
	}
	if len(res.Plan) != 4 {
		t.Errorf("plan = %q, want 4 steps", res.Plan)
	}
	if w := writesByOp(e.srv.Calls()); w[fakeazure.OpUpsertApplication] != 1 || w[fakeazure.OpUpsertServicePrincipal] != 1 ||
		w[fakeazure.OpAddPassword] != 1 || w[fakeazure.OpCreateRoleAssignment] != 1 || len(w) != 4 {
		t.Errorf("writes = %v", w)
	}

	// The new secret authenticates as the new principal.
	cred, err := azidentity.NewClientSecretCredential(e.srv.TenantID(), res.Username, string(res.Password.Bytes()),
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{Cloud: e.cloud.Configuration}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cred.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{e.srv.GraphAudience() + ".default"}}); err != nil {
		t.Errorf("the new password does not authenticate: %v", err)
	}
}

func TestSecondRunMakesNoWrites(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	e.mustProvision(t, e.options())
	e.srv.ResetCalls()

	res := e.mustProvision(t, e.options())
	if n := e.srv.WriteCalls(); n != 0 {
		t.Errorf("second run made %d write calls: %v", n, writesByOp(e.srv.Calls()))
	}
	if !res.NeedsPassword || !res.Password.IsZero() || len(res.Plan) != 0 || !res.CredentialID.IsZero() || !res.Expires.IsZero() {
		t.Errorf("second run result = %+v, want NeedsPassword, no password, no plan", res)
	}
	app := e.app(t, "acr-pull-test")
	if res.Username != app.AppID || res.LoginServer != loginServer {
		t.Errorf("second run username/server = %q %q", res.Username, res.LoginServer)
	}
	if len(app.Passwords) != 1 || len(e.srv.RoleAssignments()) != 1 {
		t.Errorf("second run changed state: %d passwords, %d role assignments", len(app.Passwords), len(e.srv.RoleAssignments()))
	}
}

func TestExistingServicePrincipalByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	app := e.srv.AddApplication("made-by-az")
	sp, err := e.srv.AddServicePrincipal(app.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.AddApplicationPassword(app.ID, "rbac", e.now.AddDate(1, 0, 0)); err != nil {
		t.Fatal(err)
	}

	o := e.options()
	o.SPName, o.SPID, o.Role = "", app.AppID, "acrpush"
	res := e.mustProvision(t, o)
	if res.ObjectID != sp.ID || res.Username != app.AppID {
		t.Errorf("principal = %q/%q, want %q/%q", res.ObjectID, res.Username, sp.ID, app.AppID)
	}
	if !res.NeedsPassword || !res.Password.IsZero() {
		t.Errorf("an existing principal with a password: NeedsPassword=%v, password set=%v", res.NeedsPassword, !res.Password.IsZero())
	}
	ras := e.srv.RoleAssignments()
	if len(ras) != 1 || ras[0].PrincipalID != sp.ID || !strings.HasSuffix(ras[0].RoleDefinitionID, "8311e382-0749-4cb8-b61a-304f252e45ec") {
		t.Errorf("role assignments = %+v, want AcrPush for the principal", ras)
	}
	if w := writesByOp(e.srv.Calls()); len(w) != 1 || w[fakeazure.OpCreateRoleAssignment] != 1 {
		t.Errorf("writes = %v, want the role assignment only", w)
	}

	t.Run("by servicePrincipalName, no password yet", func(t *testing.T) {
		app2 := e.srv.AddApplication("no-password")
		if _, err := e.srv.AddServicePrincipal(app2.AppID); err != nil {
			t.Fatal(err)
		}
		o := e.options()
		o.SPName, o.SPID = "", app2.AppID
		res := e.mustProvision(t, o)
		if res.NeedsPassword || res.Password.IsZero() {
			t.Errorf("a principal without password gets one: NeedsPassword=%v", res.NeedsPassword)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		o := e.options()
		o.SPName, o.SPID = "", "00000000-0000-4000-8000-000000000000"
		_, err := e.provision(t, o)
		if !errors.Is(err, provision.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

// A rotation adds a password and removes none: the Secret the cluster holds keeps working
// until retire, after the new one is merged and applied.
func TestRotateAddsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	first, app := e.withHandMadePassword(t)
	o := e.options()
	o.Rotate, o.Years = true, 2
	e.srv.ResetCalls()
	res := e.mustProvision(t, o)
	if res.Password.IsZero() || string(res.Password.Bytes()) == string(first.Password.Bytes()) || res.NeedsPassword {
		t.Fatalf("rotation did not return a new password")
	}
	if want := e.now.AddDate(2, 0, 0); !res.Expires.Equal(want) {
		t.Errorf("expires %s, want %s", res.Expires, want)
	}
	if n := len(e.app(t, "acr-pull-test").Passwords); n != 3 {
		t.Errorf("after rotation: %d passwords, want 3 (old, new, hand-made)", n)
	}
	if w := writesByOp(e.srv.Calls()); len(w) != 1 || w[fakeazure.OpAddPassword] != 1 {
		t.Errorf("rotation writes %v, want one addPassword", w)
	}
	if res.CredentialID.AppID != strings.ToLower(app.AppID) || res.CredentialID == first.CredentialID {
		t.Errorf("credential %v (first %v)", res.CredentialID, first.CredentialID)
	}
	e.checkNoLeak(t, res, nil)
}

func TestDuplicateDisplayNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	a1 := e.srv.AddApplication("acr-pull-test")
	a2 := e.srv.AddApplication("acr-pull-test")
	_, err := e.provision(t, e.options())
	if !errors.Is(err, provision.ErrAmbiguous) {
		t.Fatalf("err = %v, want ErrAmbiguous", err)
	}
	for _, s := range []string{"--sp-id", a1.AppID, a2.AppID} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
	if n := e.srv.WriteCalls(); n != 0 {
		t.Errorf("%d write calls", n)
	}
}

func TestReplicationDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	e.srv.SetReplicationDelay(3)
	res := e.mustProvision(t, e.options())
	if res.Password.IsZero() {
		t.Error("no password")
	}
	if n := e.srv.CountOp(fakeazure.OpUpsertServicePrincipal); n != 4 {
		t.Errorf("%d service principal upserts, want 4 (3 before the application replicated)", n)
	}
	if n := e.srv.CountOp(fakeazure.OpCreateRoleAssignment); n != 4 {
		t.Errorf("%d role assignment PUTs, want 4 (3 PrincipalNotFound)", n)
	}
	if n := strings.Count(e.progress.String(), "waiting for directory replication, "); n != 6 {
		t.Errorf("%d replication progress lines, want 6:\n%s", n, e.progress)
	}
	if !strings.Contains(e.progress.String(), "waiting for directory replication, 2ms") {
		t.Errorf("progress does not show the backoff:\n%s", e.progress)
	}
	if len(e.srv.Applications()) != 1 || len(e.srv.ServicePrincipals()) != 1 || len(e.srv.RoleAssignments()) != 1 {
		t.Error("duplicates were created while retrying")
	}

	t.Run("gives up", func(t *testing.T) {
		e := newEnv(t, fakeazure.Options{})
		e.srv.SetReplicationDelay(1000)
		o := e.options()
		o.Replication = provision.ReplicationOptions{Timeout: 20 * time.Millisecond, Delay: time.Millisecond, MaxDelay: 5 * time.Millisecond}
		_, err := e.provision(t, o)
		if err == nil || !strings.Contains(err.Error(), "directory replication did not complete") {
			t.Errorf("err = %v, want a replication timeout", err)
		}
	})
}

func TestInterruptedRunResumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	e.srv.SetReplicationDelay(3)
	// The first run dies after creating the application.
	e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpUpsertServicePrincipal, Status: http.StatusForbidden})
	if _, err := e.provision(t, e.options()); err == nil {
		t.Fatal("the first run should fail")
	}
	e.srv.ClearFaults()
	// The rerun cannot see the application by display name yet (replication): the uniqueName
	// upsert finds it instead of creating a second one.
	res := e.mustProvision(t, e.options())
	if n := len(e.srv.Applications()); n != 1 {
		t.Fatalf("%d applications after resuming, want 1", n)
	}
	app := e.app(t, "acr-pull-test")
	if res.Username != app.AppID || res.Password.IsZero() || len(e.srv.ServicePrincipals()) != 1 || len(e.srv.RoleAssignments()) != 1 {
		t.Errorf("resumed run result %+v", res)
	}
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	// Graph with a real Retry-After header (seconds), ARM with retry-after-ms.
	e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpListApplications, Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 1})
	e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpCreateRoleAssignment, Status: http.StatusTooManyRequests, RetryAfter: 50 * time.Millisecond, Times: 2})
	start := time.Now()
	e.mustProvision(t, e.options())
	if d := time.Since(start); d < time.Second {
		t.Errorf("took %s: Retry-After: 1 was not honoured", d)
	}
	if n := e.srv.CountOp(fakeazure.OpListApplications); n != 2 {
		t.Errorf("%d application lists, want 2", n)
	}
	if n := e.srv.CountOp(fakeazure.OpCreateRoleAssignment); n != 3 {
		t.Errorf("%d role assignment PUTs, want 3", n)
	}
}

func TestTransientServerErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpListRegistries, Status: http.StatusServiceUnavailable, Times: 2})
	e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpUpsertApplication, Status: http.StatusInternalServerError, Times: 3})
	e.mustProvision(t, e.options())
	if n := e.srv.CountOp(fakeazure.OpListRegistries); n != 3 {
		t.Errorf("%d registry lists, want 3", n)
	}
	if n := e.srv.CountOp(fakeazure.OpUpsertApplication); n != 4 {
		t.Errorf("%d application upserts, want 4", n)
	}
	if n := len(e.srv.Applications()); n != 1 {
		t.Errorf("%d applications, want 1", n)
	}

	t.Run("persistent", func(t *testing.T) {
		e := newEnv(t, fakeazure.Options{})
		e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpAddPassword, Status: http.StatusServiceUnavailable})
		_, err := e.provision(t, e.options())
		if err == nil {
			t.Fatal("want an error")
		}
		for _, s := range []string{"adding a password", "503", "after up to 3 retries"} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not mention %q", err, s)
			}
		}
		if n := e.srv.CountOp(fakeazure.OpAddPassword); n != 4 {
			t.Errorf("%d addPassword calls, want 4 (3 retries)", n)
		}
		// Once Azure recovers, a rerun finishes the job: the principal has no password yet.
		e.srv.ClearFaults()
		e.srv.ResetCalls()
		res := e.mustProvision(t, e.options())
		if res.Password.IsZero() {
			t.Error("the rerun did not add the missing password")
		}
		if w := writesByOp(e.srv.Calls()); len(w) != 1 || w[fakeazure.OpAddPassword] != 1 {
			t.Errorf("rerun writes = %v, want addPassword only", w)
		}
	})
}

func TestForbidden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		op   fakeazure.Op
		want []string
	}{
		{"role assignment", fakeazure.OpCreateRoleAssignment, []string{"roleAssignments/write", "Owner", "User Access Administrator", "403 AuthorizationFailed"}},
		{"application", fakeazure.OpUpsertApplication, []string{"Application.ReadWrite.All", "403 Authorization_RequestDenied"}},
		{"registry list", fakeazure.OpListRegistries, []string{"registries/read"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, fakeazure.Options{})
			e.srv.Inject(fakeazure.Fault{Op: tc.op, Status: http.StatusForbidden})
			_, err := e.provision(t, e.options())
			if !errors.Is(err, provision.ErrForbidden) {
				t.Fatalf("err = %v, want ErrForbidden", err)
			}
			var re *azcore.ResponseError
			if !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
				t.Errorf("err does not unwrap to the SDK's 403")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if n := e.srv.CountOp(tc.op); n != 1 {
				t.Errorf("a 403 was retried: %d calls", n)
			}
			// Nothing secret was created for nobody: the password comes last.
			for _, a := range e.srv.Applications() {
				if len(a.Passwords) != 0 {
					t.Error("a password was created although the run failed")
				}
			}
		})
	}
}

func TestRoleAssignmentConflictIsSuccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	e.srv.Inject(fakeazure.Fault{Op: fakeazure.OpCreateRoleAssignment, Status: http.StatusConflict, Code: "RoleAssignmentExists", Message: "The role assignment already exists.", Times: 1})
	res := e.mustProvision(t, e.options())
	if res.Password.IsZero() {
		t.Error("no password")
	}
	if n := e.srv.CountOp(fakeazure.OpCreateRoleAssignment); n != 1 {
		t.Errorf("%d role assignment PUTs, want 1", n)
	}

	t.Run("existing assignment with another scope spelling", func(t *testing.T) {
		app := e.srv.AddApplication("other-sp")
		sp, err := e.srv.AddServicePrincipal(app.AppID)
		if err != nil {
			t.Fatal(err)
		}
		e.srv.AddRoleAssignment(strings.ToUpper(e.reg.ID), acrPullGUID, sp.ID)
		o := e.options()
		o.SPName, o.SPID = "", app.AppID
		before := e.srv.CountOp(fakeazure.OpCreateRoleAssignment)
		e.mustProvision(t, o)
		if n := e.srv.CountOp(fakeazure.OpCreateRoleAssignment) - before; n != 0 {
			t.Errorf("%d role assignment PUTs for an assignment that exists", n)
		}
	})
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	custom := e.srv.AddRoleDefinition("Custom ACR Puller")
	for _, tc := range []struct{ role, wantGUID string }{
		{"owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"},
		{"Custom ACR Puller", custom.GUID},
		{"b93aa761-3e63-49ed-ac28-beffa264f7ac", "b93aa761-3e63-49ed-ac28-beffa264f7ac"},
		{"/subscriptions/" + fakeazure.DefaultSubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7", "acdd72a7-3385-48ef-bd42-f606fba81ae7"},
	} {
		o := e.options()
		o.Role = tc.role
		res := e.mustProvision(t, o)
		if !strings.HasSuffix(res.RoleDefinitionID, tc.wantGUID) {
			t.Errorf("role %q resolved to %q", tc.role, res.RoleDefinitionID)
		}
	}
	if n := len(e.srv.RoleAssignments()); n != 4 {
		t.Errorf("%d role assignments, want 4", n)
	}
	o := e.options()
	o.Role = "No Such Role"
	if _, err := e.provision(t, o); !errors.Is(err, provision.ErrNotFound) {
		t.Errorf("unknown role: err = %v", err)
	}
}

func TestRepositoryToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	o := e.options()
	o.SPName, o.Credential, o.Repositories = "", provision.CredentialToken, []string{"team/api", "app", "app"}
	res := e.mustProvision(t, o)

	maps := e.srv.ScopeMaps()
	if len(maps) != 1 || maps[0].Name != "acrgen-pull-scope-map" {
		t.Fatalf("scope maps = %+v", maps)
	}
	wantActions := []string{
		"repositories/app/content/read", "repositories/app/metadata/read",
		"repositories/team/api/content/read", "repositories/team/api/metadata/read",
	}
	if !slices.Equal(maps[0].Actions, wantActions) {
		t.Errorf("actions = %q, want %q", maps[0].Actions, wantActions)
	}
	toks := e.srv.Tokens()
	if len(toks) != 1 || toks[0].ScopeMapID != maps[0].ID || toks[0].Status != "enabled" || len(toks[0].Passwords) != 1 {
		t.Fatalf("tokens = %+v", toks)
	}
	if res.Username != "acrgen-pull" || string(res.Password.Bytes()) != toks[0].Passwords[0].Secret || res.LoginServer != loginServer {
		t.Errorf("result username %q server %q; password matches=%v", res.Username, res.LoginServer, string(res.Password.Bytes()) == toks[0].Passwords[0].Secret)
	}
	if want := e.now.AddDate(1, 0, 0); !res.Expires.Equal(want) || !toks[0].Passwords[0].End.Equal(want) {
		t.Errorf("expires %s, want %s", res.Expires, want)
	}

	e.srv.ResetCalls()
	again := e.mustProvision(t, o)
	if n := e.srv.WriteCalls(); n != 0 || !again.NeedsPassword {
		t.Errorf("second run: %d writes, NeedsPassword=%v", n, again.NeedsPassword)
	}

	e.srv.ResetCalls()
	o.Repositories = []string{"app"}
	e.mustProvision(t, o)
	if w := writesByOp(e.srv.Calls()); len(w) != 1 || w[fakeazure.OpPutScopeMap] != 1 {
		t.Errorf("changing repositories: writes %v, want the scope map only", w)
	}
	if got := e.srv.ScopeMaps()[0].Actions; len(got) != 2 {
		t.Errorf("actions after update = %q", got)
	}

	o.Rotate = true
	rot := e.mustProvision(t, o)
	toks = e.srv.Tokens()
	if len(toks[0].Passwords) != 2 || rot.CredentialID.Slot != "password2" || string(rot.Password.Bytes()) == string(res.Password.Bytes()) {
		t.Fatalf("rotation: %d passwords, credential %v", len(toks[0].Passwords), rot.CredentialID)
	}
	e.checkNoLeak(t, rot, nil)
}

func TestDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	o := e.options()
	o.DryRun = true
	res := e.mustProvision(t, o)
	if n := e.srv.WriteCalls(); n != 0 {
		t.Errorf("dry run made %d write calls", n)
	}
	if len(res.Plan) != 4 || !strings.Contains(res.Plan[0], `create application "acr-pull-test"`) {
		t.Errorf("plan = %q", res.Plan)
	}
	if res.LoginServer != loginServer || !res.Password.IsZero() || !res.CredentialID.IsZero() {
		t.Errorf("dry run result = %+v", res)
	}
	if !strings.Contains(e.progress.String(), "dry run: would assign role \"AcrPull\"") {
		t.Errorf("progress:\n%s", e.progress)
	}

	t.Run("rotation of an existing principal", func(t *testing.T) {
		o := e.options()
		e.mustProvision(t, o)
		e.srv.ResetCalls()
		o.DryRun, o.Rotate = true, true
		res := e.mustProvision(t, o)
		if n := e.srv.WriteCalls(); n != 0 {
			t.Errorf("dry run made %d write calls", n)
		}
		if len(res.Plan) != 1 || !strings.Contains(res.Plan[0], "add password") {
			t.Errorf("plan = %q, want add password only", res.Plan)
		}
	})
	t.Run("token", func(t *testing.T) {
		o := e.options()
		o.DryRun, o.SPName, o.Credential, o.Repositories = true, "", provision.CredentialToken, []string{"app"}
		before := e.srv.WriteCalls()
		res := e.mustProvision(t, o)
		if e.srv.WriteCalls() != before || len(res.Plan) != 3 {
			t.Errorf("token dry run: plan %q", res.Plan)
		}
	})
}

func TestRegistryLookup(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	for _, tc := range []struct {
		name, registry, rg string
		err                error
	}{
		{"by name in the resource group", "myregistry", "rg-acr", nil},
		{"by login server", loginServer, "", nil},
		{"case-insensitive", "MyRegistry", "", nil},
		{"missing", "nosuch", "", provision.ErrNotFound},
		{"missing in the resource group", "myregistry", "other", provision.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := e.options()
			o.Registry, o.ResourceGroup, o.DryRun = tc.registry, tc.rg, true
			res, err := e.provision(t, o)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if err == nil && (res.RegistryID != e.reg.ID || res.LoginServer != loginServer) {
				t.Errorf("found %q %q", res.RegistryID, res.LoginServer)
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	for name, mod := range map[string]func(*provision.Options){
		"no subscription":     func(o *provision.Options) { o.SubscriptionID = "" },
		"name and id":         func(o *provision.Options) { o.SPID = "x" },
		"years and end date":  func(o *provision.Options) { o.Years, o.EndDate = 1, e.now.AddDate(0, 6, 0) },
		"past end date":       func(o *provision.Options) { o.EndDate = e.now.AddDate(0, -1, 0) },
		"token without repos": func(o *provision.Options) { o.SPName, o.Credential = "", provision.CredentialToken },
		"bad repository":      func(o *provision.Options) { o.SPName, o.Credential, o.Repositories = "", "token", []string{"Team/API"} },
		"unknown credential":  func(o *provision.Options) { o.Credential = "admin" },
		"no cloud":            func(o *provision.Options) { o.Cloud = provision.Cloud{} },
	} {
		o := e.options()
		mod(&o)
		if _, err := e.provision(t, o); !errors.Is(err, provision.ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
	}
	if n := len(e.srv.Calls()); n != 0 {
		t.Errorf("invalid options made %d calls", n)
	}
}
