package provision

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
)

// Errors of [Retire] a caller can branch on with [errors.Is].
var (
	// ErrRecordedMissing marks a tree that records a credential Azure no longer has: the
	// Secret it applies cannot authenticate. Retire removes nothing then.
	ErrRecordedMissing = errors.New("the tree records a credential Azure no longer has")
	// ErrUnrecorded marks a tree none of whose Secrets (or one of them) records which
	// credential it holds: Retire cannot tell which passwords are in use and removes nothing.
	ErrUnrecorded = errors.New("a Secret of the tree records no credential")
)

// DefaultGrace is how long the recorded password must have existed before [Retire] removes
// older ones: time for the pull request to be merged and for Flux to apply it.
const DefaultGrace = 24 * time.Hour

// RetireOptions says whose passwords to retire. Options selects the registry and the
// credential as for [Provision] (Repositories, Years, EndDate and Rotate are ignored), and
// Options.Recorded lists what the tree's Secrets hold.
type RetireOptions struct {
	Options
	// Grace is how long every recorded password must have existed before others are
	// removed (DefaultGrace is the CLI's default). Zero means none.
	Grace time.Duration
	// Abandoned removes also the acrgen passwords that are newer than the one the tree
	// records (rotations whose pull request was closed without merging). By default they
	// are kept: an open pull request may hold one.
	Abandoned bool
}

// RetireResult is what [Retire] removed or, for a dry run, would remove.
type RetireResult struct {
	// LoginServer is the registry's login server.
	LoginServer string
	// Removed describes each password removed (or, in a dry run or before WaitUntil, to
	// remove).
	Removed []string
	// Pending describes each acrgen password newer than the recorded one that was kept.
	Pending []string
	// WaitUntil is set when a recorded password is younger than the grace period: nothing
	// was removed, and a retire after this time will remove Removed.
	WaitUntil time.Time
}

// Retire removes the passwords of a credential that no Secret of the tree records: on a
// service principal, only the ones acrgen made (displayName [PasswordLabel]); on a token, the
// slot no Secret holds. It never removes a recorded one; it removes only passwords older than
// the newest recorded one (unless Abandoned), and only once every recorded one has existed
// for the grace period. When the tree records a password Azure does not have, it removes
// nothing and returns [ErrRecordedMissing]; when a Secret for the registry records no
// credential, [ErrUnrecorded].
func Retire(ctx context.Context, cred azcore.TokenCredential, opts RetireOptions) (*RetireResult, error) {
	opts.retiring, opts.Rotate = true, false
	r, err := newRun(cred, opts.Options)
	if err != nil {
		return nil, err
	}
	if err := r.findRegistry(ctx); err != nil {
		return nil, err
	}
	var mine []Recorded
	for _, rc := range r.opts.Recorded {
		if !rc.serves(r.reg.loginServer) {
			continue
		}
		if rc.ID.IsZero() {
			return nil, fmt.Errorf("%w: %s holds credentials for %s but does not say which (no acrgen.dev/credential annotation): "+
				"acrgen cannot tell which passwords are in use; run acrgen provision --rotate, merge and apply it, then retire", ErrUnrecorded, rc.Where, r.reg.loginServer)
		}
		mine = append(mine, rc)
	}
	p := retirePlan{now: r.now(), grace: max(opts.Grace, 0), abandoned: opts.Abandoned, recorded: mine}
	res := &RetireResult{LoginServer: r.reg.loginServer}
	if r.opts.Credential == CredentialToken {
		err = r.retireToken(ctx, p, res)
	} else {
		err = r.retireSP(ctx, p, res)
	}
	return res, err
}

// secret is one password as Retire weighs it.
type secret struct {
	id     string // keyId, or token slot name
	start  time.Time
	acrgen bool // made by acrgen: a candidate for removal
}

// retirePlan is the pure part of Retire: which passwords go.
type retirePlan struct {
	now       time.Time
	grace     time.Duration
	abandoned bool
	recorded  []Recorded
}

// decide splits have into the passwords to remove and the pending ones kept, given the ids the
// tree records and since, the latest time one of its Secrets began to record them (zero when
// unknown). When a recorded password was created, or recorded, less than the grace period ago,
// waitUntil says when the removal may happen, and nothing may be removed before. what names
// the credential for messages.
func (p retirePlan) decide(have []secret, recorded []string, since time.Time, what string) (remove, pending []secret, waitUntil time.Time, err error) {
	if len(recorded) == 0 {
		return nil, nil, time.Time{}, fmt.Errorf("%w: no Secret of the tree records a password of %s: nothing to compare with; "+
			"check the directory and --secret-name", ErrInvalidOptions, what)
	}
	var newest time.Time
	var missing []string
	for _, id := range recorded {
		i := slices.IndexFunc(have, func(s secret) bool { return strings.EqualFold(s.id, id) })
		if i < 0 {
			missing = append(missing, id)
			continue
		}
		newest = maxTime(newest, have[i].start)
	}
	if len(missing) > 0 {
		return nil, nil, time.Time{}, fmt.Errorf("%w: the tree records password %s of %s, which Azure no longer has: the Secret cannot authenticate; "+
			"removed nothing. Run acrgen provision --rotate and apply the new Secret", ErrRecordedMissing, strings.Join(missing, ", "), what)
	}
	// The grace counts from the later of the recorded password's creation and the moment the
	// tree began to record it where it is applied from (since): a rotation whose pull request
	// waited longer than the grace is merged only now, and Flux has yet to apply it.
	if ready := maxTime(newest, since).Add(p.grace); p.now.Before(ready) {
		waitUntil = ready
	}
	for _, s := range have {
		if !s.acrgen || slices.ContainsFunc(recorded, func(id string) bool { return strings.EqualFold(s.id, id) }) {
			continue
		}
		if s.start.Before(newest) || p.abandoned {
			remove = append(remove, s)
		} else {
			pending = append(pending, s)
		}
	}
	return remove, pending, waitUntil, nil
}

// fill decides, and describes the decision in res (Removed, Pending, WaitUntil) as
// "<kind><id> of <what>, created <time>"; it returns the passwords to remove, in the order of
// res.Removed.
func (p retirePlan) fill(res *RetireResult, have []secret, recorded []string, since time.Time, kind, what string) ([]secret, error) {
	remove, pending, wait, err := p.decide(have, recorded, since, what)
	if err != nil {
		return nil, err
	}
	res.WaitUntil = wait
	desc := func(s secret) string {
		return fmt.Sprintf("%s%s of %s, created %s", kind, s.id, what, s.start.UTC().Format(time.RFC3339))
	}
	for _, s := range pending {
		res.Pending = append(res.Pending, desc(s))
	}
	for _, s := range remove {
		res.Removed = append(res.Removed, desc(s))
	}
	return remove, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (r *run) retireSP(ctx context.Context, p retirePlan, res *RetireResult) error {
	var app *application
	var err error
	if r.opts.SPName != "" {
		if app, err = r.appByName(ctx, r.opts.SPName); err == nil && app == nil {
			err = fmt.Errorf("looking up application %q: %w", r.opts.SPName, ErrNotFound)
		}
	} else {
		_, app, err = r.bySPID(ctx, r.opts.SPID)
		if err == nil && app == nil {
			err = fmt.Errorf("service principal %q: %w: its application is registered in another tenant; retire its passwords there", r.opts.SPID, ErrInvalidOptions)
		}
	}
	if err != nil {
		return err
	}
	what := fmt.Sprintf("application %q (appId %s)", app.DisplayName, app.AppID)
	var have []secret
	for _, pc := range app.PasswordCredentials {
		s := secret{id: strings.ToLower(pc.KeyID), acrgen: isAcrgen(pc)}
		if pc.Start != nil {
			s.start = *pc.Start
		}
		have = append(have, s)
	}
	var recorded []string
	var since time.Time
	for _, rc := range p.recorded {
		if rc.ID.Kind == CredentialServicePrincipal && strings.EqualFold(rc.ID.AppID, app.AppID) {
			recorded = append(recorded, rc.ID.KeyID)
			since = maxTime(since, rc.Since)
		}
	}
	remove, err := p.fill(res, have, recorded, since, "password ", what)
	if err != nil {
		return err
	}
	for i, s := range remove {
		if !res.WaitUntil.IsZero() || !r.act("remove %s", res.Removed[i]) {
			continue
		}
		if err := r.graph.removePassword(ctx, app.ID, s.id); err != nil {
			if st, _ := statusOf(err); st == http.StatusBadRequest || st == http.StatusNotFound {
				// Gone already (a retire interrupted after the call)? Check before failing.
				if a, gerr := r.graph.getApplication(ctx, "applications/"+app.ID); gerr == nil && !slices.ContainsFunc(a.PasswordCredentials, func(pc passwordCredential) bool { return strings.EqualFold(pc.KeyID, s.id) }) {
					continue
				}
			}
			return fmt.Errorf("removing password %s of %s: %w", s.id, what, r.summarize(err, needGraphWrite))
		}
	}
	return nil
}

func (r *run) retireToken(ctx context.Context, p retirePlan, res *RetireResult) error {
	name := r.opts.TokenName
	rg, reg := r.reg.resourceGroup, r.reg.name
	what := fmt.Sprintf("token %q", name)
	tr, err := r.tokens.Get(ctx, rg, reg, name, nil)
	if err != nil {
		if st, _ := statusOf(err); st == http.StatusNotFound {
			return fmt.Errorf("looking up %s: %w", what, ErrNotFound)
		}
		return fmt.Errorf("reading %s: %w", what, r.summarize(err, needRegistryRead))
	}
	var have []secret
	if tr.Properties != nil && tr.Properties.Credentials != nil {
		for _, pw := range tr.Properties.Credentials.Passwords {
			if pw == nil || pw.Name == nil {
				continue
			}
			s := secret{id: strings.ToLower(string(*pw.Name)), acrgen: true}
			if pw.CreationTime != nil {
				s.start = *pw.CreationTime
			}
			have = append(have, s)
		}
	}
	held := recordedSlots(p.recorded, r.reg.loginServer, name)
	var recorded []string
	var since time.Time
	for slot, at := range held {
		recorded = append(recorded, slot)
		since = maxTime(since, at)
	}
	slices.Sort(recorded)
	remove, err := p.fill(res, have, recorded, since, "", what)
	if err != nil || len(remove) == 0 || !res.WaitUntil.IsZero() || !r.act("remove %s", strings.Join(res.Removed, "; ")) {
		return err
	}
	// As az does to delete a token password: PATCH the names to keep.
	var keep []*armcontainerregistry.TokenPassword
	for _, slot := range recorded {
		keep = append(keep, &armcontainerregistry.TokenPassword{Name: to.Ptr(armcontainerregistry.TokenPasswordName(slot))})
	}
	for _, s := range have {
		if !slices.ContainsFunc(remove, func(x secret) bool { return x.id == s.id }) && !slices.Contains(recorded, s.id) {
			keep = append(keep, &armcontainerregistry.TokenPassword{Name: to.Ptr(armcontainerregistry.TokenPasswordName(s.id))})
		}
	}
	poller, err := r.tokens.BeginUpdate(ctx, rg, reg, name, armcontainerregistry.TokenUpdateParameters{Properties: &armcontainerregistry.TokenUpdateProperties{
		Credentials: &armcontainerregistry.TokenCredentialsProperties{Passwords: keep},
	}}, nil)
	if err == nil {
		_, err = poller.PollUntilDone(ctx, r.pollOptions())
	}
	if err != nil {
		return fmt.Errorf("removing the unrecorded password of %s: %w", what, r.summarize(err, needTokenWrite))
	}
	return nil
}
