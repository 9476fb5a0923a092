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

// UnseenChartsFinding is the warning about the HelmReleases (namespace/name) whose values
// name no registry given: their charts are out of acrgen's sight too.
func UnseenChartsFinding(releases []string) finding.Finding {
	return finding.New(finding.ChartsUnseen, strconv.Itoa(len(releases)), strings.Join(releases, ", "))
}
