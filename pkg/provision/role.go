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

// repositoryReader is the built-in role "Container Registry Repository Reader": pull on a
// registry in ABAC mode, optionally limited by a condition to some repositories
// (learn.microsoft.com/azure/role-based-access-control/built-in-roles/containers, and
// reference/azure.md §7).
var repositoryReader = struct{ name, guid string }{"Container Registry Repository Reader", "b93aa761-3e63-49ed-ac28-beffa264f7ac"}

// role is a resolved role definition, and the ABAC condition to assign it with ("" for none).
type role struct {
	id, name  string
	condition string
}

// controlPlaneOnly are the built-in roles that give control-plane access only on a registry
// in ABAC mode: Owner, Contributor and Reader ("Effects on existing role assignments",
// learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
var controlPlaneOnly = []string{builtinRoles["owner"].guid, "b24988ac-6180-42a0-ab88-20f7382dd24c", "acdd72a7-3385-48ef-bd42-f606fba81ae7"}

// noPullInABAC reports whether rl lets no principal pull from a registry in ABAC mode: AcrPull,
// AcrPush and AcrDelete, which that mode does not honour, and the control-plane-only roles.
func noPullInABAC(rl role) bool {
	for _, k := range []string{"acrpull", "acrpush", "acrdelete"} {
		if sameRole(rl.id, builtinRoles[k].guid) {
			return true
		}
	}
	for _, guid := range controlPlaneOnly {
		if sameRole(rl.id, guid) {
			return true
		}
	}
	return false
}

func (r *run) roleDefinitionID(guid string) string {
	return "/subscriptions/" + r.opts.SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

// resolveRole is the role to assign: Options.Role (see lookupRole), refused when the registry
// is in ABAC mode and does not honour it; there, the repository-reader role gets a condition
// limiting it to Options.Repositories unless Options.AllRepositories.
func (r *run) resolveRole(ctx context.Context) (role, error) {
	rl, err := r.lookupRole(ctx)
	if err != nil || !r.reg.abac {
		return rl, err
	}
	if noPullInABAC(rl) {
		return role{}, fmt.Errorf("%w: role %s is not honoured on registry %q, which is in ABAC mode (RBAC Registry + ABAC Repository Permissions): "+
			"a principal holding it could not pull. Leave out --role to get %s, limited to the repositories the tree pulls (with --all-repositories, to every repository)",
			ErrInvalidOptions, rl.name, r.reg.name, repositoryReader.name)
	}
	if !sameRole(rl.id, repositoryReader.guid) || r.opts.AllRepositories {
		return rl, nil
	}
	if len(r.opts.Repositories) == 0 {
		return role{}, fmt.Errorf("%w: registry %q is in ABAC mode and no workload of the tree pulls from it: nothing to limit %s to; "+
			"pass --repository, or --all-repositories", ErrInvalidOptions, r.reg.name, repositoryReader.name)
	}
	rl.condition = pullCondition(r.opts.Repositories)
	return rl, nil
}

// lookupRole turns Options.Role into a role definition: the default for the registry's mode,
// a full ID as is, a GUID in the subscription, a known name from the table, any other name by
// listing role definitions at the registry scope (exactly one must match).
func (r *run) lookupRole(ctx context.Context) (role, error) {
	want := strings.TrimSpace(r.opts.Role)
	switch {
	case want == "" && r.reg.abac:
		return role{id: r.roleDefinitionID(repositoryReader.guid), name: repositoryReader.name}, nil
	case want == "":
		want = "acrpull"
	}
	switch {
	case strings.HasPrefix(want, "/") && strings.Contains(strings.ToLower(want), "/providers/microsoft.authorization/roledefinitions/"):
		return role{id: want, name: path.Base(want)}, nil
	case isGUID(want):
		return role{id: r.roleDefinitionID(want), name: want}, nil
	}
	if strings.EqualFold(want, repositoryReader.name) {
		return role{id: r.roleDefinitionID(repositoryReader.guid), name: repositoryReader.name}, nil
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
// already with the same condition; an assignment whose condition differs (the tree gained or
// lost a repository) is updated in place, by a PUT on the same assignment, which is how Azure
// edits a condition ("Add or edit Azure role assignment conditions using the REST API",
// learn.microsoft.com/azure/role-based-access-control/conditions-role-assignments-rest). A new
// assignment's name is derived from (scope, principal, role), so a retried or resumed run never
// creates a second one; 409 RoleAssignmentExists counts as success. newPrincipal skips the
// look-up for a principal created in this run.
func (r *run) ensureRole(ctx context.Context, rl role, principalID, principalLabel string, newPrincipal bool) error {
	scope := r.reg.id
	r.res.RoleDefinitionID = rl.id
	name := uuid.NewSHA1(uuid.NameSpaceURL, []byte(strings.ToLower(scope+"|"+principalID+"|"+path.Base(rl.id)))).String()
	verb := "assign"
	if principalID != "" && !newPrincipal {
		ra, err := r.findAssignment(ctx, rl, principalID)
		if err != nil {
			return err
		}
		if ra != nil {
			if sameCondition(deref(ra.Properties.Condition), rl.condition) {
				r.step("role %q already assigned to %s on registry %q%s", rl.name, principalLabel, r.reg.name, conditionNote(rl.condition))
				return nil
			}
			name, verb = deref(ra.Name), "update the condition of"
		}
	}
	if !r.act("%s role %q to %s on registry %q%s", verb, rl.name, principalLabel, r.reg.name, conditionNote(rl.condition)) {
		return nil
	}
	params := armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
		PrincipalID:      to.Ptr(principalID),
		PrincipalType:    to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
		RoleDefinitionID: to.Ptr(rl.id),
		Description:      to.Ptr("acrgen: pull secret for " + r.reg.loginServer),
	}}
	if rl.condition != "" {
		params.Properties.Condition, params.Properties.ConditionVersion = to.Ptr(rl.condition), to.Ptr("2.0")
	}
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

// findAssignment returns the principal's assignment of the role at the registry scope, or nil.
func (r *run) findAssignment(ctx context.Context, rl role, principalID string) (*armauthorization.RoleAssignment, error) {
	scope := r.reg.id
	filter := "principalId%20eq%20%27" + url.QueryEscape(principalID) + "%27" // the client does not encode $filter
	for p := r.assignments.NewListForScopePager(scope, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: &filter}); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing role assignments on registry %q: %w", r.reg.name, r.summarize(err, needRoleRead))
		}
		for _, ra := range page.Value {
			if ra == nil || ra.Properties == nil {
				continue
			}
			pr := ra.Properties
			if strings.EqualFold(deref(pr.PrincipalID), principalID) && sameRole(deref(pr.RoleDefinitionID), rl.id) &&
				strings.EqualFold(strings.TrimRight(deref(pr.Scope), "/"), strings.TrimRight(scope, "/")) {
				return ra, nil
			}
		}
	}
	return nil, nil
}

func conditionNote(cond string) string {
	if cond == "" {
		return ""
	}
	return " (condition: the repositories the tree pulls)"
}
