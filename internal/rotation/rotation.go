// Package rotation runs `acrgen provision` in the order that keeps a working credential in
// the tree at every moment: provision in Azure (which adds a password and removes none), then
// plan the tree and write it. Older passwords are removed later, by a separate retire step,
// once the new Secret is merged and applied. The steps are injected, so the order is tested
// without Azure or sops.
package rotation

import (
	"context"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/provision"
	"github.com/acrgen/acrgen/pkg/secret"
)

// Steps are the side effects Run puts in order.
type Steps struct {
	// Provision looks up or creates the credential in Azure (provision.Provision).
	Provision func(context.Context, provision.Options) (*provision.Result, error)
	// Plan works out the tree's changes in memory (engine.Plan).
	Plan func(engine.Options) (*engine.Result, error)
	// Write reports and writes the planned changes (engine.Write, behind the CLI's report).
	Write func(*engine.Result) error
}

// Stage says which step failed.
type Stage int

// The stages, in the order Run takes them.
const (
	StageProvision Stage = iota
	StagePlan
	StageWrite
)

// Error is a failed step. Err is the step's own error, unwrapped.
type Error struct {
	Stage Stage
	Err   error
}

func (e *Error) Error() string { return e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// Outcome is what Run did.
type Outcome struct {
	// Azure is the provisioning result; for a dry run, the plan.
	Azure *provision.Result
	// Tree is the tree's planned (and written) changes; nil for a dry run.
	Tree *engine.Result
	// KeptPassword is true when Azure returned no new password: the Secret in the tree is kept.
	KeptPassword bool
}

// Run provisions with popts, then renders the new credential into the tree ropts describes,
// recording which credential the Secret holds. Provision removes no password, so a failed plan
// or write leaves the Secret in the tree working. A dry run stops after Provision, which then
// changes nothing.
func Run(ctx context.Context, steps Steps, popts provision.Options, ropts engine.Options) (*Outcome, error) {
	res, err := steps.Provision(ctx, popts)
	if err != nil {
		return nil, &Error{StageProvision, err}
	}
	out := &Outcome{Azure: res}
	if popts.DryRun {
		return out, nil
	}
	ropts.Registries = []string{res.LoginServer}
	if res.Password.IsZero() {
		out.KeptPassword = true
		ropts.Credential = nil
	} else {
		ropts.Credential = &secret.Credential{Username: res.Username, Password: res.Password.Bytes()}
		defer clear(ropts.Credential.Password)
		ropts.Expires = res.Expires
		ropts.CredentialID = res.CredentialID.String()
	}
	if out.Tree, err = steps.Plan(ropts); err != nil {
		return out, &Error{StagePlan, err}
	}
	if err := steps.Write(out.Tree); err != nil {
		return out, &Error{StageWrite, err}
	}
	return out, nil
}
