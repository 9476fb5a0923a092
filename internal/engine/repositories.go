package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/distribution/reference"
)

// repositories lists the repositories that the pod specs pulling from the configured
// registries (in the namespaces the run works on) pull (the scope a repository-scoped token
// or an ABAC condition needs), sorted.
func (r *run) repositories(d judge.Decisions) []string {
	match := manifest.NewMatcher(r.opts.Registries)
	seen := map[string]bool{}
	done := map[string]bool{} // images: the same few repeat across thousands of workloads
	for _, pd := range d.Pods {
		if pd.Action == judge.PodOutOfScope || pd.Action == judge.PodBadNamespace {
			continue
		}
		for _, img := range r.t.Instances[pd.ID].PodSpecs[pd.PodSpec].Images {
			if done[img] {
				continue
			}
			done[img] = true
			if _, ok := match.Match(img); ok {
				if repo := repository(img); repo != "" {
					seen[repo] = true
				}
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// repository returns the path of an image reference below its registry host, without tag
// or digest.
func repository(image string) string {
	if named, err := reference.ParseNormalizedNamed(image); err == nil {
		return reference.Path(named)
	}
	_, rest, ok := strings.Cut(image, "/")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ":@"); i >= 0 {
		rest = rest[:i]
	}
	return strings.ToLower(rest)
}
