package provision

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/containerregistry/armcontainerregistry"
)

// registryInfo is the registry as ARM describes it.
type registryInfo struct {
	id, resourceGroup, name, loginServer string
	// abac is true when the registry's roleAssignmentMode is AbacRepositoryPermissions.
	abac bool
}

// modeAPIVersion is an ARM api-version whose registry model has properties.roleAssignmentMode,
// which armcontainerregistry v1.2.0 (2023-07-01) predates: the property has been in the
// registry model since the TypeSpec definition of Microsoft.ContainerRegistry
// (azure-rest-api-specs, specification/containerregistry/resource-manager/
// Microsoft.ContainerRegistry/Registry/Registry.models.tsp, RoleAssignmentMode), whose stable
// version is 2025-11-01.
const modeAPIVersion = "2025-11-01"

// ABAC mode: "RBAC Registry + ABAC Repository Permissions"
// (learn.microsoft.com/azure/container-registry/container-registry-rbac-abac-repository-permissions).
const roleModeABAC = "AbacRepositoryPermissions"

// readMode reads the registry's roleAssignmentMode through the ARM pipeline with
// modeAPIVersion. A missing property is the legacy mode, its default.
func (r *run) readMode(ctx context.Context) error {
	req, err := runtime.NewRequest(ctx, http.MethodGet, runtime.JoinPaths(r.arm.Endpoint(), r.reg.id))
	if err != nil {
		return err
	}
	q := req.Raw().URL.Query()
	q.Set("api-version", modeAPIVersion)
	req.Raw().URL.RawQuery = q.Encode()
	req.Raw().Header.Set("Accept", "application/json")
	resp, err := r.arm.Pipeline().Do(req)
	if err == nil && !runtime.HasStatusCode(resp, http.StatusOK) {
		err = runtime.NewResponseError(resp)
	}
	if err != nil {
		return fmt.Errorf("reading the role assignment mode of registry %q: %w", r.reg.name, r.summarize(err, needRegistryRead))
	}
	var body struct {
		Properties struct {
			RoleAssignmentMode string `json:"roleAssignmentMode"`
		} `json:"properties"`
	}
	if err := runtime.UnmarshalAsJSON(resp, &body); err != nil {
		return fmt.Errorf("reading the role assignment mode of registry %q: %w", r.reg.name, err)
	}
	r.reg.abac = strings.EqualFold(body.Properties.RoleAssignmentMode, roleModeABAC)
	if r.reg.abac {
		r.step("registry %q is in ABAC mode (RBAC Registry + ABAC Repository Permissions): AcrPull, AcrPush and AcrDelete are not honoured there", r.reg.name)
	}
	return nil
}

// findRegistry looks the registry up by name (or login server) in the resource group, or in
// the whole subscription as `az acr show` does, and reads its ID and login server.
func (r *run) findRegistry(ctx context.Context) error {
	want := r.opts.Registry
	var found *armcontainerregistry.Registry
	if rg := r.opts.ResourceGroup; rg != "" && !strings.Contains(want, ".") {
		r.step("looking up registry %q in resource group %q", want, rg)
		resp, err := r.registries.Get(ctx, rg, want, nil)
		if err != nil {
			if st, _ := statusOf(err); st == http.StatusNotFound {
				return fmt.Errorf("looking up registry %q: %w in resource group %q of subscription %q", want, ErrNotFound, rg, r.opts.SubscriptionID)
			}
			return fmt.Errorf("looking up registry %q: %w", want, r.summarize(err, needRegistryRead))
		}
		found = &resp.Registry
	} else {
		where := "subscription " + fmt.Sprintf("%q", r.opts.SubscriptionID)
		var hits []*armcontainerregistry.Registry
		var next func() bool
		var page func(context.Context) ([]*armcontainerregistry.Registry, error)
		if rg := r.opts.ResourceGroup; rg != "" {
			where = fmt.Sprintf("resource group %q", rg)
			p := r.registries.NewListByResourceGroupPager(rg, nil)
			next, page = p.More, func(ctx context.Context) ([]*armcontainerregistry.Registry, error) {
				resp, err := p.NextPage(ctx)
				return resp.Value, err
			}
		} else {
			p := r.registries.NewListPager(nil)
			next, page = p.More, func(ctx context.Context) ([]*armcontainerregistry.Registry, error) {
				resp, err := p.NextPage(ctx)
				return resp.Value, err
			}
		}
		r.step("looking up registry %q in %s", want, where)
		for next() {
			regs, err := page(ctx)
			if err != nil {
				return fmt.Errorf("listing registries in %s: %w", where, r.summarize(err, needRegistryRead))
			}
			for _, reg := range regs {
				if reg == nil || reg.Name == nil {
					continue
				}
				ls := ""
				if reg.Properties != nil && reg.Properties.LoginServer != nil {
					ls = *reg.Properties.LoginServer
				}
				if strings.EqualFold(*reg.Name, want) || (ls != "" && strings.EqualFold(ls, want)) {
					hits = append(hits, reg)
				}
			}
		}
		switch len(hits) {
		case 0:
			return fmt.Errorf("looking up registry %q: %w in %s (check the subscription)", want, ErrNotFound, where)
		case 1:
			found = hits[0]
		default:
			var ids []string
			for _, h := range hits {
				ids = append(ids, deref(h.ID))
			}
			return fmt.Errorf("looking up registry %q: %w: %d registries match (%s); give the resource group",
				want, ErrAmbiguous, len(hits), strings.Join(ids, ", "))
		}
	}

	id := deref(found.ID)
	rid, err := arm.ParseResourceID(id)
	if err != nil {
		return fmt.Errorf("parsing registry ID %q: %w", id, err)
	}
	ls := ""
	if found.Properties != nil {
		ls = deref(found.Properties.LoginServer)
	}
	if ls == "" {
		// A list entry without properties: read the registry itself.
		resp, err := r.registries.Get(ctx, rid.ResourceGroupName, rid.Name, nil)
		if err != nil {
			return fmt.Errorf("reading registry %q: %w", id, r.summarize(err, needRegistryRead))
		}
		if resp.Properties != nil {
			ls = deref(resp.Properties.LoginServer)
		}
		if ls == "" {
			return fmt.Errorf("registry %q has no login server yet (is it still being created?)", id)
		}
	}
	r.reg = registryInfo{id: id, resourceGroup: rid.ResourceGroupName, name: rid.Name, loginServer: strings.ToLower(ls)}
	r.res.RegistryID, r.res.LoginServer = id, r.reg.loginServer
	r.step("registry %q: %s (login server %s)", rid.Name, id, r.reg.loginServer)
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
