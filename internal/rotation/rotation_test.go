package rotation

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/provision"
)

// fake records the steps in the order Run takes them.
type fake struct {
	calls             []string
	provisionErr      error
	planErr, writeErr error
	noPassword        bool
	planned           engine.Options
}

func (f *fake) steps() Steps {
	return Steps{
		Provision: func(_ context.Context, o provision.Options) (*provision.Result, error) {
			f.calls = append(f.calls, "provision")
			if f.provisionErr != nil {
				return nil, f.provisionErr
			}
			res := &provision.Result{LoginServer: "myregistry.azurecr.io", Username: "app"}
			if !f.noPassword {
				res.Password = provision.NewPassword([]byte("s3cret"))
				res.CredentialID = provision.CredentialID{Kind: provision.CredentialServicePrincipal, AppID: "app", KeyID: "key"}
			}
			return res, nil
		},
		Plan: func(o engine.Options) (*engine.Result, error) {
			f.calls = append(f.calls, "plan")
			f.planned = o
			return &engine.Result{}, f.planErr
		},
		Write: func(*engine.Result) error {
			f.calls = append(f.calls, "write")
			return f.writeErr
		},
	}
}

func TestRunOrder(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		f     fake
		dry   bool
		calls []string
		stage Stage
		fails bool
	}{
		{name: "provision, plan, write", calls: []string{"provision", "plan", "write"}},
		{name: "a failed write is reported", f: fake{writeErr: boom}, calls: []string{"provision", "plan", "write"}, stage: StageWrite, fails: true},
		{name: "a failed plan writes nothing", f: fake{planErr: boom}, calls: []string{"provision", "plan"}, stage: StagePlan, fails: true},
		{name: "a failed provision touches nothing", f: fake{provisionErr: boom}, calls: []string{"provision"}, stage: StageProvision, fails: true},
		{name: "a dry run only asks Azure", dry: true, calls: []string{"provision"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			_, err := Run(context.Background(), f.steps(), provision.Options{DryRun: tc.dry}, engine.Options{Dir: "tree"})
			if !slices.Equal(f.calls, tc.calls) {
				t.Errorf("steps %q, want %q", f.calls, tc.calls)
			}
			var rerr *Error
			switch {
			case !tc.fails && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.fails && (!errors.As(err, &rerr) || rerr.Stage != tc.stage || !errors.Is(err, boom)):
				t.Fatalf("error %v, want stage %d wrapping boom", err, tc.stage)
			}
		})
	}
}

// The tree is planned for the login server Azure reports, with the new credential and the
// record of which password it is.
func TestRunRecordsTheCredential(t *testing.T) {
	f := fake{}
	if _, err := Run(context.Background(), f.steps(), provision.Options{}, engine.Options{Dir: "tree", Registries: []string{"guess.azurecr.io"}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.planned.Registries, []string{"myregistry.azurecr.io"}) || f.planned.Dir != "tree" {
		t.Errorf("planned %+v", f.planned)
	}
	if f.planned.Credential == nil || f.planned.Credential.Username != "app" || f.planned.CredentialID != "sp/app/key" {
		t.Errorf("credential %v, id %q", f.planned.Credential, f.planned.CredentialID)
	}
}

// Without a new password (Azure never returns an existing one) the Secret in the tree is
// kept: no credential reaches the plan.
func TestRunKeepsTheSecretWithoutANewPassword(t *testing.T) {
	f := fake{noPassword: true}
	out, err := Run(context.Background(), f.steps(), provision.Options{}, engine.Options{Dir: "tree"})
	if err != nil {
		t.Fatal(err)
	}
	if f.planned.Credential != nil || f.planned.CredentialID != "" || !out.KeptPassword {
		t.Errorf("credential %v, id %q, KeptPassword %v: want none, and the Secret kept", f.planned.Credential, f.planned.CredentialID, out.KeptPassword)
	}
}
