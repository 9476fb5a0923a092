package provision_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/pkg/provision"
)

const readerGUID = "b93aa761-3e63-49ed-ac28-beffa264f7ac"

func (e *testEnv) retire(t *testing.T, o provision.RetireOptions) (*provision.RetireResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	o.Now = time.Now // the emulator dates passwords by its own clock
	res, err := provision.Retire(ctx, e.cred, o)
	e.checkNoLeak(t, nil, err)
	return res, err
}

// recorded is what a tree holding res's credential records.
func recorded(res ...*provision.Result) []provision.Recorded {
	var out []provision.Recorded
	for _, r := range res {
		out = append(out, provision.Recorded{Where: "overlays/prod/acr-secret.enc.yaml", Registries: []string{r.LoginServer}, ID: r.CredentialID})
	}
	return out
}

// withHandMadePassword provisions the principal, then adds a password acrgen did not make.
func (e *testEnv) withHandMadePassword(t *testing.T) (*provision.Result, fakeazure.Application) {
	t.Helper()
	first := e.mustProvision(t, e.options())
	app := e.app(t, "acr-pull-test")
	if _, err := e.srv.AddApplicationPassword(app.ID, "hand-made", e.now.AddDate(1, 0, 0)); err != nil {
		t.Fatal(err)
	}
	return first, app
}

func TestRetireServicePrincipal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	first, _ := e.withHandMadePassword(t)
	o := e.options()
	o.Rotate, o.Recorded = true, recorded(first)
	second := e.mustProvision(t, o)

	// The tree still records the first password: the second is pending and stays.
	ro := provision.RetireOptions{Options: e.options()}
	ro.Recorded = recorded(first)
	e.srv.ResetCalls()
	res, err := e.retire(t, ro)
	if err != nil || len(res.Removed) != 0 || len(res.Pending) != 1 || e.srv.WriteCalls() != 0 {
		t.Fatalf("retire with a pending rotation: %+v, %v, %d writes", res, err, e.srv.WriteCalls())
	}

	// Merged: the first password goes, the hand-made one stays.
	ro.Recorded = recorded(second)
	ro.DryRun = true
	if res, err = e.retire(t, ro); err != nil || len(res.Removed) != 1 || e.srv.WriteCalls() != 0 {
		t.Fatalf("dry run: %+v, %v, %d writes", res, err, e.srv.WriteCalls())
	}
	ro.DryRun = false
	if res, err = e.retire(t, ro); err != nil || len(res.Removed) != 1 || !strings.Contains(res.Removed[0], first.CredentialID.KeyID) {
		t.Fatalf("retire after merge: %+v, %v", res, err)
	}
	var names []string
	for _, p := range e.app(t, "acr-pull-test").Passwords {
		names = append(names, p.KeyID)
	}
	if len(names) != 2 || !strings.Contains(strings.Join(names, ","), second.CredentialID.KeyID) {
		t.Errorf("left: %v, want the recorded and the hand-made password", names)
	}

	// A tree recording the removed password: an error, and nothing removed.
	ro.Recorded = recorded(first, second)
	e.srv.ResetCalls()
	if _, err := e.retire(t, ro); !errors.Is(err, provision.ErrRecordedMissing) || e.srv.WriteCalls() != 0 {
		t.Errorf("missing recorded password: %v, %d writes", err, e.srv.WriteCalls())
	}
	// A Secret that records nothing: an error.
	ro.Recorded = append(recorded(second), provision.Recorded{Where: "base/acr-secret.enc.yaml", Registries: []string{loginServer}})
	if _, err := e.retire(t, ro); !errors.Is(err, provision.ErrUnrecorded) {
		t.Errorf("unrecorded Secret: %v", err)
	}
}

// Rotations that are never merged stop piling up at MaxPending.
func TestPendingRotationsAreBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	first := e.mustProvision(t, e.options())
	o := e.options()
	o.Rotate, o.Recorded = true, recorded(first)
	for range provision.MaxPending {
		e.mustProvision(t, o)
	}
	e.srv.ResetCalls()
	_, err := e.provision(t, o)
	if !errors.Is(err, provision.ErrInvalidOptions) || !strings.Contains(err.Error(), "--abandoned") || e.srv.WriteCalls() != 0 {
		t.Fatalf("rotation over %d pending ones: %v, %d writes", provision.MaxPending, err, e.srv.WriteCalls())
	}
}

func TestTokenRotationUsesTheUnrecordedSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	o := e.options()
	o.SPName, o.Credential, o.Repositories = "", provision.CredentialToken, []string{"app"}
	first := e.mustProvision(t, o) // password1
	o.Rotate, o.Recorded = true, recorded(first)
	second := e.mustProvision(t, o)
	third := e.mustProvision(t, o) // the tree still records password1: password2 again
	if first.CredentialID.Slot != "password1" || second.CredentialID.Slot != "password2" || third.CredentialID.Slot != "password2" {
		t.Errorf("slots %s %s %s", first.CredentialID.Slot, second.CredentialID.Slot, third.CredentialID.Slot)
	}
	ro := provision.RetireOptions{Options: o}
	ro.Recorded = recorded(third)
	res, err := e.retire(t, ro)
	if err != nil || len(res.Removed) != 1 || !strings.Contains(res.Removed[0], "password1") {
		t.Fatalf("retire: %+v, %v", res, err)
	}
	if pws := e.srv.Tokens()[0].Passwords; len(pws) != 1 || pws[0].KeyID != "password2" {
		t.Errorf("left %+v", pws)
	}
	o.Recorded = append(recorded(third), recorded(first)...)
	if _, err := e.provision(t, o); !errors.Is(err, provision.ErrInvalidOptions) {
		t.Errorf("both slots recorded: %v", err)
	}
}

// In ABAC mode the default role is the repository reader with a condition naming the tree's
// repositories; it follows the tree, and a rerun without change writes nothing.
func TestABACRegistry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{Registries: []fakeazure.Registry{{ResourceGroup: "rg-acr", Name: "myregistry", LoginServer: loginServer, RoleAssignmentMode: fakeazure.RoleModeABAC}}})
	o := e.options()
	o.Repositories = []string{"app"}
	e.mustProvision(t, o)
	ras := e.srv.RoleAssignments()
	if len(ras) != 1 || !strings.HasSuffix(ras[0].RoleDefinitionID, readerGUID) || !strings.Contains(ras[0].Condition, "'app'") || ras[0].ConditionVersion != "2.0" {
		t.Fatalf("assignments %+v", ras)
	}
	e.srv.ResetCalls()
	e.mustProvision(t, o)
	if n := e.srv.WriteCalls(); n != 0 {
		t.Errorf("rerun without change: %d writes", n)
	}
	o.Repositories = []string{"app", "team/*"}
	e.mustProvision(t, o)
	ras = e.srv.RoleAssignments()
	if len(ras) != 1 || !strings.Contains(ras[0].Condition, "StringStartsWithIgnoreCase 'team/'") {
		t.Fatalf("after the tree gained a repository: %+v", ras)
	}
	if w := writesByOp(e.srv.Calls()); w[fakeazure.OpCreateRoleAssignment] != 1 || len(w) != 1 {
		t.Errorf("condition update writes %v, want one PUT", w)
	}
	o.AllRepositories = true
	e.mustProvision(t, o)
	if ras = e.srv.RoleAssignments(); len(ras) != 1 || ras[0].Condition != "" {
		t.Errorf("--all-repositories: %+v", ras)
	}
	// The legacy pull roles are not honoured; Owner, Contributor and Reader give control-plane
	// access only (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions,
	// "Effects on existing role assignments"): none of them lets the principal pull.
	for _, role := range []string{"acrpull", "AcrPush", "c2f4ef07-c644-48eb-af81-4b1b4947fb11", "owner", "Contributor", "acdd72a7-3385-48ef-bd42-f606fba81ae7"} {
		o := e.options()
		o.Role, o.Repositories = role, []string{"app"}
		if _, err := e.provision(t, o); !errors.Is(err, provision.ErrInvalidOptions) || !strings.Contains(err.Error(), "ABAC mode") {
			t.Errorf("--role %s on an ABAC registry: %v", role, err)
		}
	}
	o = e.options()
	if _, err := e.provision(t, o); !errors.Is(err, provision.ErrInvalidOptions) || !strings.Contains(err.Error(), "--all-repositories") {
		t.Errorf("no repositories: %v", err)
	}
}

// Tenant policies: the refusal says which policy and what to do, and the principal made before
// the password is picked up by a rerun that only adds the password.
func TestTenantPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakeazure.Options{})
	e.srv.SetAppPolicy(fakeazure.AppPolicy{MaxPasswordLifetime: 180 * 24 * time.Hour})
	_, err := e.provision(t, e.options())
	if !errors.Is(err, provision.ErrPolicy) || !strings.Contains(err.Error(), "--end-date") || !strings.Contains(err.Error(), "passwordLifetime") {
		t.Fatalf("lifetime cap: %v", err)
	}
	if len(e.srv.ServicePrincipals()) != 1 || len(e.srv.RoleAssignments()) != 1 {
		t.Fatal("the principal and its role were not made before the password")
	}
	o := e.options()
	o.EndDate = e.now.AddDate(0, 3, 0)
	e.srv.ResetCalls()
	res := e.mustProvision(t, o)
	if w := writesByOp(e.srv.Calls()); len(w) != 1 || w[fakeazure.OpAddPassword] != 1 || res.Password.IsZero() {
		t.Errorf("rerun within the cap: writes %v", w)
	}

	e.srv.SetAppPolicy(fakeazure.AppPolicy{BlockPasswords: true})
	o.Rotate = true
	if _, err := e.provision(t, o); !errors.Is(err, provision.ErrPolicy) || !strings.Contains(err.Error(), "--credential token") {
		t.Errorf("blocked passwords: %v", err)
	}
}

// A registry in another tenant than the login's default: ARM refuses the default tenant's
// token, and --tenant gets one from the right tenant.
func TestOtherTenant(t *testing.T) {
	t.Parallel()
	const other = "44444444-4444-4444-8444-444444444444"
	e := newEnv(t, fakeazure.Options{SubscriptionTenantID: other})
	_, err := e.provision(t, e.options())
	if err == nil || !strings.Contains(err.Error(), "InvalidAuthenticationTokenTenant") {
		t.Fatalf("default tenant: %v", err)
	}
	cred, err := provision.NewCredential(e.cloud, other)
	if err != nil {
		t.Fatal(err)
	}
	e.cred = cred
	if res := e.mustProvision(t, e.options()); res.Password.IsZero() {
		t.Error("no password from the other tenant")
	}
	if _, err := provision.NewCredential(e.cloud, "not a tenant"); !errors.Is(err, provision.ErrInvalidOptions) {
		t.Errorf("bad tenant: %v", err)
	}
}
