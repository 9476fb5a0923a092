package provision

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
)

// repositoryRE is a repository path as the distribution spec defines it, optionally ending
// in the scope-map wildcard "/*".
var repositoryRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?:/\*)?$`)

// pullActions returns the scope-map actions granting pull on the repositories, sorted.
func pullActions(repos []string) []string {
	var out []string
	for _, repo := range repos {
		out = append(out, "repositories/"+repo+"/content/read", "repositories/"+repo+"/metadata/read")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func sortedRepos(repos []string) []string {
	out := slices.Clone(repos)
	slices.Sort(out)
	return slices.Compact(out)
}

// ensureToken is `az acr scope-map create` + `az acr token create` made idempotent: a scope
// map granting pull on exactly the repositories, a token using it, and a password.
func (r *run) ensureToken(ctx context.Context) error {
	name := r.opts.TokenName
	smName := name + "-scope-map"
	rg, reg := r.reg.resourceGroup, r.reg.name
	actions := pullActions(r.opts.Repositories)
	repos := strings.Join(sortedRepos(r.opts.Repositories), ", ")
	smID := r.reg.id + "/scopeMaps/" + smName

	// Scope map.
	r.step("looking up scope map %q", smName)
	sm, err := r.scopeMaps.Get(ctx, rg, reg, smName, nil)
	switch st, _ := statusOf(err); {
	case st == http.StatusNotFound:
		if r.act("create scope map %q granting content/read and metadata/read on %s", smName, repos) {
			if err := r.putScopeMap(ctx, smName, actions); err != nil {
				return err
			}
		}
	case err != nil:
		return fmt.Errorf("reading scope map %q: %w", smName, r.summarize(err, needRegistryRead))
	default:
		smID = deref(sm.ID)
		var have []string
		if sm.Properties != nil {
			for _, a := range sm.Properties.Actions {
				have = append(have, deref(a))
			}
		}
		slices.Sort(have)
		if !slices.Equal(have, actions) {
			if r.act("update scope map %q to grant content/read and metadata/read on exactly %s", smName, repos) {
				if err := r.putScopeMap(ctx, smName, actions); err != nil {
					return err
				}
			}
		} else {
			r.step("scope map %q grants pull on %s already", smName, repos)
		}
	}

	// Token.
	r.res.Username = name
	r.step("looking up token %q", name)
	var tok *armcontainerregistry.Token
	created := false
	tr, err := r.tokens.Get(ctx, rg, reg, name, nil)
	switch st, _ := statusOf(err); {
	case st == http.StatusNotFound:
		created = true
		if r.act("create token %q with scope map %q", name, smName) {
			p, err := r.tokens.BeginCreate(ctx, rg, reg, name, armcontainerregistry.Token{Properties: &armcontainerregistry.TokenProperties{
				ScopeMapID: to.Ptr(smID), Status: to.Ptr(armcontainerregistry.TokenStatusEnabled),
			}}, nil)
			if err == nil {
				var resp armcontainerregistry.TokensClientCreateResponse
				resp, err = p.PollUntilDone(ctx, r.pollOptions())
				tok = &resp.Token
			}
			if err != nil {
				return fmt.Errorf("creating token %q: %w", name, r.summarize(err, needTokenWrite))
			}
		}
	case err != nil:
		return fmt.Errorf("reading token %q: %w", name, r.summarize(err, needRegistryRead))
	default:
		tok = &tr.Token
		var props armcontainerregistry.TokenProperties
		if tok.Properties != nil {
			props = *tok.Properties
		}
		if !strings.EqualFold(deref(props.ScopeMapID), smID) || deref(props.Status) != armcontainerregistry.TokenStatusEnabled {
			if r.act("update token %q to use scope map %q and be enabled", name, smName) {
				p, err := r.tokens.BeginUpdate(ctx, rg, reg, name, armcontainerregistry.TokenUpdateParameters{Properties: &armcontainerregistry.TokenUpdateProperties{
					ScopeMapID: to.Ptr(smID), Status: to.Ptr(armcontainerregistry.TokenStatusEnabled),
				}}, nil)
				if err == nil {
					var resp armcontainerregistry.TokensClientUpdateResponse
					resp, err = p.PollUntilDone(ctx, r.pollOptions())
					tok = &resp.Token
				}
				if err != nil {
					return fmt.Errorf("updating token %q: %w", name, r.summarize(err, needTokenWrite))
				}
			}
		}
	}

	// Password.
	var pws []*armcontainerregistry.TokenPassword
	if tok != nil && tok.Properties != nil && tok.Properties.Credentials != nil {
		pws = tok.Properties.Credentials.Passwords
	}
	now := r.now()
	usableN := 0
	for _, pw := range pws {
		if pw != nil && (pw.Expiry == nil || pw.Expiry.After(now)) {
			usableN++
		}
	}
	if !r.wantsPassword(created, usableN, fmt.Sprintf("token %q", name)) {
		return nil
	}
	slot, err := r.tokenSlot(name, pws)
	if err != nil {
		return err
	}
	end := r.expiry()
	if r.act("generate %s for token %q (expires %s)", slot, name, end.Format(time.DateOnly)) {
		tokenID := deref(tok.ID)
		p, err := r.registries.BeginGenerateCredentials(ctx, rg, reg, armcontainerregistry.GenerateCredentialsParameters{
			TokenID: to.Ptr(tokenID), Name: to.Ptr(slot), Expiry: to.Ptr(end),
		}, nil)
		var resp armcontainerregistry.RegistriesClientGenerateCredentialsResponse
		if err == nil {
			resp, err = p.PollUntilDone(ctx, r.pollOptions())
		}
		if err != nil {
			return fmt.Errorf("generating %s for token %q: %w", slot, name, r.summarize(err, needTokenWrite))
		}
		var value string
		for _, pw := range resp.Passwords {
			if pw != nil && pw.Name != nil && strings.EqualFold(string(*pw.Name), string(slot)) {
				value = deref(pw.Value)
				if pw.Expiry != nil {
					end = pw.Expiry.UTC()
				}
			}
		}
		if value == "" {
			return fmt.Errorf("generating %s for token %q: the registry returned no password", slot, name)
		}
		if u := deref(resp.Username); u != "" {
			r.res.Username = u
		}
		r.res.Password = newPassword(value)
		r.res.Expires = end
		r.res.CredentialID = CredentialID{Kind: CredentialToken, LoginServer: r.reg.loginServer, TokenName: name, Slot: string(slot)}
		r.step("new %s for token %q expires %s", slot, name, end.Format(time.RFC3339))
	}
	return nil
}

func (r *run) putScopeMap(ctx context.Context, name string, actions []string) error {
	var acts []*string
	for _, a := range actions {
		acts = append(acts, to.Ptr(a))
	}
	p, err := r.scopeMaps.BeginCreate(ctx, r.reg.resourceGroup, r.reg.name, name, armcontainerregistry.ScopeMap{
		Properties: &armcontainerregistry.ScopeMapProperties{
			Actions:     acts,
			Description: to.Ptr("acrgen: pull from the repositories of token " + strings.TrimSuffix(name, "-scope-map")),
		},
	}, nil)
	if err == nil {
		_, err = p.PollUntilDone(ctx, r.pollOptions())
	}
	if err != nil {
		return fmt.Errorf("writing scope map %q: %w", name, r.summarize(err, needTokenWrite))
	}
	return nil
}

// tokenSlot picks the password slot for a new token password: the one no Secret of the tree
// records; when the tree records none, a free slot, else the one created first.
func (r *run) tokenSlot(name string, pws []*armcontainerregistry.TokenPassword) (armcontainerregistry.TokenPasswordName, error) {
	p1, p2 := armcontainerregistry.TokenPasswordNamePassword1, armcontainerregistry.TokenPasswordNamePassword2
	held := recordedSlots(r.opts.Recorded, r.reg.loginServer, name)
	_, held1 := held[string(p1)]
	_, held2 := held[string(p2)]
	switch {
	case held1 && held2:
		return "", fmt.Errorf("rotating token %q: %w: Secrets in the tree hold both its passwords (%s): "+
			"render one credential into all of them before rotating", name, ErrInvalidOptions, strings.Join(heldBy(r.opts.Recorded, r.reg.loginServer, name), "; "))
	case held1:
		return p2, nil
	case held2:
		return p1, nil
	}
	var have1, have2 *armcontainerregistry.TokenPassword
	for _, pw := range pws {
		if pw == nil || pw.Name == nil {
			continue
		}
		switch strings.ToLower(string(*pw.Name)) {
		case string(p1):
			have1 = pw
		case string(p2):
			have2 = pw
		}
	}
	switch {
	case have1 == nil:
		return p1, nil
	case have2 == nil:
		return p2, nil
	case have2.CreationTime != nil && have1.CreationTime != nil && have2.CreationTime.Before(*have1.CreationTime):
		return p2, nil
	default:
		return p1, nil
	}
}

// recordedSlots returns the password slots of a token that Secrets record, each with the latest
// time a Secret began to record it (Recorded.Since; zero when unknown).
func recordedSlots(recorded []Recorded, loginServer, token string) map[string]time.Time {
	out := map[string]time.Time{}
	for _, rc := range recorded {
		if rc.ID.Kind == CredentialToken && strings.EqualFold(rc.ID.LoginServer, loginServer) && rc.ID.TokenName == token {
			out[rc.ID.Slot] = maxTime(out[rc.ID.Slot], rc.Since)
		}
	}
	return out
}

// heldBy names the Secrets that record a password of the token.
func heldBy(recorded []Recorded, loginServer, token string) []string {
	var out []string
	for _, rc := range recorded {
		if rc.ID.Kind == CredentialToken && strings.EqualFold(rc.ID.LoginServer, loginServer) && rc.ID.TokenName == token {
			out = append(out, rc.Where+": "+rc.ID.Slot)
		}
	}
	return out
}
