package judge

import (
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
)

// ValuesNamed returns those of registries that a HelmRelease's values (spec.values, as text)
// name, ignoring case, in their order.
func ValuesNamed(values string, registries []string) []string {
	lower := strings.ToLower(values)
	var out []string
	for _, r := range registries {
		if strings.Contains(lower, strings.ToLower(r)) {
			out = append(out, r)
		}
	}
	return out
}

// Release is what [Charts] needs of a Flux HelmRelease that releases into a namespace the run
// works on.
type Release struct {
	// Name is namespace/name; Values its spec.values as text ("" for none).
	Name, Values string
	// Covered is set when acrgen's post-renderer gives its chart's pods the secret (it carries
	// one, or the run adds one).
	Covered bool
}

// ReleaseFinding is a finding of [Charts] about the release of index Release, or about several
// (Release -1).
type ReleaseFinding struct {
	Release int
	Finding finding.Finding
}

// Charts judges the HelmReleases whose charts acrgen cannot see into, for both front ends: a
// warning about each release not covered whose values name a registry (field spec.values), and
// one about all those whose values name none, since a chart's defaults or spec.valuesFrom may.
// used are the registries the releases' values name (with repeats): no "typo?" warning for
// them. charts is the charts argument of a [finding.RegistryUnused] finding ("" for none).
func Charts(releases []Release, registries []string) (out []ReleaseFinding, used []string, charts string) {
	var unseen []string
	for i, rel := range releases {
		named := ValuesNamed(rel.Values, registries)
		used = append(used, named...)
		switch {
		case rel.Covered:
		case len(named) > 0:
			out = append(out, ReleaseFinding{Release: i, Finding: field(finding.New(finding.ChartUnseen, named[0]), "spec.values")})
		default:
			unseen = append(unseen, rel.Name)
		}
	}
	if len(unseen) == 0 {
		return out, used, ""
	}
	f := finding.New(finding.ChartsUnseen, strconv.Itoa(len(unseen)), strings.Join(unseen, ", "))
	return append(out, ReleaseFinding{Release: -1, Finding: f}), used, "the charts of the HelmReleases above"
}
