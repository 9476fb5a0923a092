package provision

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// uniqueNameFor derives the application's uniqueName (Graph's client-chosen alternate key)
// from its display name, so creating it is an upsert that a retried or resumed run cannot
// duplicate.
func uniqueNameFor(displayName string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(displayName)))
	return "acrgen-" + hex.EncodeToString(sum[:8])
}

// ensureServicePrincipal is `az ad sp create-for-rbac --scopes <registry> --role <role>`
// made idempotent, or `az role assignment create` for an existing principal.
func (r *run) ensureServicePrincipal(ctx context.Context) error {
	if err := r.readMode(ctx); err != nil {
		return err
	}
	rl, err := r.resolveRole(ctx) // before any write: a bad role must not leave a principal behind
	if err != nil {
		return err
	}
	var (
		app     *application
		sp      *servicePrincipal
		created bool // the application or service principal was (or, in a dry run, would be) created
		spNew   bool
		label   string
	)
	if name := r.opts.SPName; name != "" {
		label = fmt.Sprintf("%q", name)
		if app, err = r.appByName(ctx, name); err != nil {
			return err
		}
		if app == nil {
			created = true
			if r.act("create application %s", label) {
				if app, err = r.createApp(ctx, name); err != nil {
					return err
				}
			}
		}
	} else {
		if sp, app, err = r.bySPID(ctx, r.opts.SPID); err != nil {
			return err
		}
		label = fmt.Sprintf("%q", sp.DisplayName)
	}
	if sp == nil {
		if app != nil && !created {
			sps, err := r.graph.listServicePrincipals(ctx, "appId eq "+odataString(app.AppID))
			if err != nil {
				return fmt.Errorf("looking up the service principal of application %s: %w", label, r.summarize(err, needGraphRead))
			}
			if len(sps) > 0 {
				sp = &sps[0]
			}
		}
		if sp == nil {
			created, spNew = true, true
			if r.act("create service principal for application %s", label) {
				if sp, err = r.createSP(ctx, app.AppID, label); err != nil {
					return err
				}
			}
		}
	}

	principal := "the new service principal"
	if sp != nil {
		r.res.AppID, r.res.ObjectID = sp.AppID, sp.ID
		principal = fmt.Sprintf("service principal %s (appId %s)", label, sp.AppID)
	} else if app != nil {
		r.res.AppID = app.AppID
	}
	r.res.Username = r.res.AppID
	objectID := ""
	if sp != nil {
		objectID = sp.ID
	}
	if err := r.ensureRole(ctx, rl, objectID, principal, spNew); err != nil {
		return err
	}
	// The password comes last, so that a failure above (a missing permission to assign the
	// role, say) never leaves a secret that nobody holds.
	return r.ensurePassword(ctx, app, sp, created, label)
}

// appByName returns the one application with this display name, nil when there is none,
// and an error when there are several: display names are not unique in Entra.
func (r *run) appByName(ctx context.Context, name string) (*application, error) {
	r.step("looking up application %q", name)
	apps, err := r.graph.listApplications(ctx, "displayName eq "+odataString(name))
	if err != nil {
		return nil, fmt.Errorf("looking up application %q: %w", name, r.summarize(err, needGraphRead))
	}
	var hits []application
	for _, a := range apps {
		if strings.EqualFold(a.DisplayName, name) {
			hits = append(hits, a)
		}
	}
	switch len(hits) {
	case 0:
		return nil, nil
	case 1:
		r.step("application %q exists: appId %s", name, hits[0].AppID)
		return &hits[0], nil
	default:
		var ids []string
		for _, a := range hits {
			ids = append(ids, a.AppID)
		}
		return nil, fmt.Errorf("looking up application %q: %w: %d applications have that display name (appIds %s); choose one with --sp-id <appId>",
			name, ErrAmbiguous, len(hits), strings.Join(ids, ", "))
	}
}

// bySPID finds an existing service principal by appId or servicePrincipalName, and its
// application when the application lives in this tenant (nil otherwise).
func (r *run) bySPID(ctx context.Context, id string) (*servicePrincipal, *application, error) {
	r.step("looking up service principal %q", id)
	sps, err := r.graph.listServicePrincipals(ctx, "servicePrincipalNames/any(c:c eq "+odataString(id)+")")
	if err != nil {
		return nil, nil, fmt.Errorf("looking up service principal %q: %w", id, r.summarize(err, needGraphRead))
	}
	switch len(sps) {
	case 0:
		return nil, nil, fmt.Errorf("looking up service principal %q: %w: no service principal has that appId or servicePrincipalName", id, ErrNotFound)
	case 1:
	default:
		return nil, nil, fmt.Errorf("looking up service principal %q: %w: %d service principals match", id, ErrAmbiguous, len(sps))
	}
	sp := &sps[0]
	r.step("service principal %q exists: appId %s, object ID %s", sp.DisplayName, sp.AppID, sp.ID)
	apps, err := r.graph.listApplications(ctx, "appId eq "+odataString(sp.AppID))
	if err != nil {
		return nil, nil, fmt.Errorf("looking up the application of service principal %q: %w", id, r.summarize(err, needGraphRead))
	}
	if len(apps) == 0 {
		return sp, nil, nil
	}
	return sp, &apps[0], nil
}

func (r *run) createApp(ctx context.Context, name string) (*application, error) {
	un := uniqueNameFor(name)
	a, err := r.graph.upsertApplication(ctx, un, name)
	if err != nil {
		return nil, fmt.Errorf("creating application %q: %w", name, r.summarize(err, needGraphWrite))
	}
	if a == nil {
		// It existed (an interrupted run made it, and the display-name search has not
		// caught up): read it by its uniqueName.
		r.step("application %q exists already (uniqueName %s)", name, un)
		err = r.replicated(ctx, func() error {
			var err error
			a, err = r.graph.getApplication(ctx, altKey("applications", "uniqueName", un))
			return err
		}, graphNotFound)
		if err != nil {
			return nil, fmt.Errorf("reading application %q: %w", name, r.summarize(err, needGraphRead))
		}
	}
	r.step("application %q: appId %s", name, a.AppID)
	return a, nil
}

func (r *run) createSP(ctx context.Context, appID, label string) (*servicePrincipal, error) {
	var sp *servicePrincipal
	err := r.replicated(ctx, func() error {
		var err error
		sp, err = r.graph.upsertServicePrincipal(ctx, appID)
		return err
	}, appNotReplicated)
	if err != nil {
		return nil, fmt.Errorf("creating the service principal of application %s: %w", label, r.summarize(err, needGraphWrite))
	}
	if sp == nil {
		err = r.replicated(ctx, func() error {
			var err error
			sp, err = r.graph.getServicePrincipal(ctx, altKey("servicePrincipals", "appId", appID))
			return err
		}, graphNotFound)
		if err != nil {
			return nil, fmt.Errorf("reading the service principal of application %s: %w", label, r.summarize(err, needGraphRead))
		}
	}
	r.step("service principal for application %s: object ID %s", label, sp.ID)
	return sp, nil
}

// usable counts the passwords that have not expired.
func usable(pcs []passwordCredential, now time.Time) int {
	n := 0
	for _, pc := range pcs {
		if pc.End == nil || pc.End.After(now) {
			n++
		}
	}
	return n
}

// wantsPassword decides whether to make a new password for a credential (a service principal
// or a token) that has usable unexpired ones: yes when it was just created, on rotation, or
// when it has none. Otherwise the caller keeps the password it has, since Azure never returns
// existing ones, and the Result says so.
func (r *run) wantsPassword(created bool, usable int, what string) bool {
	switch {
	case created || r.opts.Rotate:
		return true
	case usable == 0:
		r.step("%s has no unexpired password", what)
		return true
	}
	r.res.NeedsPassword = true
	r.step("%s has %d password(s); Azure never returns them: keep the existing Secret, or rotate to make a new password", what, usable)
	return false
}

// ensurePassword adds a password to the application when the principal is new, has no
// unexpired password, or a rotation was asked for; otherwise it reports that the caller must
// keep the password it has. It never removes one: [Retire] does.
func (r *run) ensurePassword(ctx context.Context, app *application, sp *servicePrincipal, created bool, label string) error {
	now := r.now()
	existing := 0
	if app != nil {
		existing += usable(app.PasswordCredentials, now)
	}
	if sp != nil {
		existing += usable(sp.PasswordCredentials, now)
	}
	if !r.wantsPassword(created, existing, "service principal "+label) {
		return nil
	}
	if app == nil && !created {
		if !r.opts.Rotate {
			r.res.NeedsPassword = true
			return nil
		}
		return fmt.Errorf("adding a password to service principal %s: %w: its application is registered in another tenant; "+
			"create the password there", label, ErrInvalidOptions)
	}
	if app != nil && r.opts.Rotate {
		if pending := pendingPasswords(app, r.opts.Recorded); len(pending) >= MaxPending {
			return fmt.Errorf("rotating the password of service principal %s: %w: %d acrgen passwords (%s) are newer than the one the tree records "+
				"and no Secret holds them: their rotations were never merged. Merge the open rotation pull request, "+
				"or close it and run acrgen provision --retire --abandoned to remove them", label, ErrInvalidOptions, len(pending), strings.Join(pending, ", "))
		}
	}
	end := r.expiry()
	if !r.act("add password %q to application %s (expires %s)", PasswordLabel, label, end.Format(time.DateOnly)) {
		return nil
	}
	var s *newSecret
	err := r.replicated(ctx, func() error {
		var err error
		s, err = r.graph.addPassword(ctx, app.ID, PasswordLabel, end)
		return err
	}, graphNotFound)
	if err != nil {
		return r.passwordRefused(fmt.Errorf("adding a password to application %s: %w", label, r.summarize(err, needGraphWrite)))
	}
	r.res.Password = newPassword(s.SecretText)
	r.res.Expires = s.End.UTC()
	if r.res.Expires.IsZero() {
		r.res.Expires = end
	}
	r.res.CredentialID = CredentialID{Kind: CredentialServicePrincipal, AppID: strings.ToLower(app.AppID), KeyID: strings.ToLower(s.KeyID)}
	r.step("new password %s for application %s expires %s", s.KeyID, label, r.res.Expires.Format(time.RFC3339))
	return nil
}

// pendingPasswords lists the acrgen passwords of app that no Secret records and that are newer
// than the newest one recorded: rotations not merged (yet). Nothing is pending when the tree
// records none of app's passwords.
func pendingPasswords(app *application, recorded []Recorded) []string {
	newest, ok := newestRecorded(app, recorded)
	if !ok {
		return nil
	}
	var out []string
	for _, pc := range app.PasswordCredentials {
		if isAcrgen(pc) && !recordsKey(recorded, app.AppID, pc.KeyID) && pc.Start != nil && pc.Start.After(newest) {
			out = append(out, pc.KeyID)
		}
	}
	return out
}

// newestRecorded returns the creation time of the newest password of app that a Secret records.
func newestRecorded(app *application, recorded []Recorded) (time.Time, bool) {
	var newest time.Time
	ok := false
	for _, pc := range app.PasswordCredentials {
		if recordsKey(recorded, app.AppID, pc.KeyID) && pc.Start != nil {
			if !ok || pc.Start.After(newest) {
				newest = *pc.Start
			}
			ok = true
		}
	}
	return newest, ok
}

func isAcrgen(pc passwordCredential) bool {
	return pc.DisplayName != nil && *pc.DisplayName == PasswordLabel
}

func recordsKey(recorded []Recorded, appID, keyID string) bool {
	for _, rc := range recorded {
		if rc.ID.Kind == CredentialServicePrincipal && strings.EqualFold(rc.ID.AppID, appID) && strings.EqualFold(rc.ID.KeyID, keyID) {
			return true
		}
	}
	return false
}
