package provision

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/google/uuid"
)

// builtinRoles maps the role names acrgen knows to their role definition GUIDs, which are
// the same in every subscription; other names are looked up.
var builtinRoles = map[string]struct{ name, guid string }{
	"acrpull":   {"AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d"},
	"acrpush":   {"AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec"},
	"acrdelete": {"AcrDelete", "c2f4ef07-c644-48eb-af81-4b1b4947fb11"},
	"owner":     {"Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"},
}

// role is a resolved role definition.
type role struct {
	id, name string
}

func (r *run) roleDefinitionID(guid string) string {
	return "/subscriptions/" + r.opts.SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

// resolveRole turns Options.Role into a role definition ID: a full ID as is, a GUID in the
// subscription, a known name from the table, any other name by listing role definitions at
// the registry scope (exactly one must match).
func (r *run) resolveRole(ctx context.Context) (role, error) {
	want := strings.TrimSpace(r.opts.Role)
	switch {
	case strings.HasPrefix(want, "/") && strings.Contains(strings.ToLower(want), "/providers/microsoft.authorization/roledefinitions/"):
		return role{id: want, name: path.Base(want)}, nil
	case isGUID(want):
		return role{id: r.roleDefinitionID(want), name: want}, nil
	}
	if b, ok := builtinRoles[strings.ToLower(want)]; ok {
		return role{id: r.roleDefinitionID(b.guid), name: b.name}, nil
	}
	filter := "roleName eq " + odataString(want)
	var hits []*armauthorization.RoleDefinition
	for p := r.roleDefs.NewListPager(r.reg.id, &armauthorization.RoleDefinitionsClientListOptions{Filter: &filter}); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return role{}, fmt.Errorf("looking up role %q: %w", want, r.summarize(err, needRoleRead))
		}
		hits = append(hits, page.Value...)
	}
	switch len(hits) {
	case 0:
		return role{}, fmt.Errorf("looking up role %q: %w: no role definition has that name", want, ErrNotFound)
	case 1:
		name := want
		if hits[0].Properties != nil && hits[0].Properties.RoleName != nil {
			name = *hits[0].Properties.RoleName
		}
		return role{id: deref(hits[0].ID), name: name}, nil
	default:
		return role{}, fmt.Errorf("looking up role %q: %w: %d role definitions have that name; give the role definition ID", want, ErrAmbiguous, len(hits))
	}
}

func isGUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// sameRole compares role definition IDs by their GUID, since ARM returns them with or
// without the subscription prefix.
func sameRole(a, b string) bool {
	return strings.EqualFold(path.Base(a), path.Base(b))
}

// ensureRole assigns the role to the principal at registry scope unless it is assigned there
// already. The assignment name is derived from (scope, principal, role), so a retried or
// resumed run never creates a second one; 409 RoleAssignmentExists counts as success.
// newPrincipal skips the look-up for a principal created in this run.
func (r *run) ensureRole(ctx context.Context, rl role, principalID, principalLabel string, newPrincipal bool) error {
	scope := r.reg.id
	r.res.RoleDefinitionID = rl.id
	if principalID != "" && !newPrincipal {
		filter := "principalId%20eq%20%27" + url.QueryEscape(principalID) + "%27" // the client does not encode $filter
		for p := r.assignments.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: &filter}); p.More(); {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("listing role assignments on registry %q: %w", r.reg.name, r.summarize(err, needRoleRead))
			}
			for _, ra := range page.Value {
				if ra == nil || ra.Properties == nil {
					continue
				}
				pr := ra.Properties
				if strings.EqualFold(deref(pr.PrincipalID), principalID) && sameRole(deref(pr.RoleDefinitionID), rl.id) &&
					strings.EqualFold(strings.TrimRight(deref(pr.Scope), "/"), strings.TrimRight(scope, "/")) {
					r.step("role %q already assigned to %s on registry %q", rl.name, principalLabel, r.reg.name)
					return nil
				}
			}
		}
	}
	if !r.act("assign role %q to %s on registry %q", rl.name, principalLabel, r.reg.name) {
		return nil
	}
	name := uuid.NewSHA1(uuid.NameSpaceURL, []byte(strings.ToLower(scope+"|"+principalID+"|"+path.Base(rl.id)))).String()
	params := armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		PrincipalID:      to.Ptr(principalID),
		PrincipalType:    to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
		RoleDefinitionID: to.Ptr(rl.id),
		Description:      to.Ptr("acrgen: pull secret for " + r.reg.loginServer),
	}}
	err := r.replicated(ctx, func() error {
		_, err := r.assignments.Create(ctx, scope, name, params, nil)
		if st, code := statusOf(err); st == http.StatusConflict && code == "RoleAssignmentExists" {
			r.step("role assignment exists already")
			return nil
		}
		return err
	}, principalNotFound)
	if err != nil {
		return fmt.Errorf("assigning role %q on registry %q: %w", rl.name, r.reg.id, r.summarize(err, needRoleAssignmentWrite))
	}
	return nil
}
