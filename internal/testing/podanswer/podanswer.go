// Package podanswer writes the per-workload answers that the differential tests compare between
// acrgen's model of a tree and a real build of it (kustomize's, Argo CD's): for each workload,
// its kind, namespace and name, and for each pod spec the images and the pull secrets. It is
// not a test file so that the argoproof module, which cannot import another package's tests,
// shares it with the engine's.
package podanswer

import (
	"fmt"
	"sort"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// Of is the answer of one workload.
func Of(kind, ns, name string, pods []tree.PodSpec) string {
	s := fmt.Sprintf("%s %s/%s", kind, ns, name)
	for _, ps := range pods {
		s += fmt.Sprintf(" images=%v secrets=%v", ps.Images, ps.Secrets)
	}
	return s
}

// Model returns the answers of acrgen's model: the instances of t that have pod specs, sorted.
func Model(t *tree.Tree) []string {
	var out []string
	for _, inst := range t.Instances {
		if len(inst.PodSpecs) > 0 {
			out = append(out, Of(inst.Resource.Kind, inst.Namespace, inst.Name, inst.PodSpecs))
		}
	}
	sort.Strings(out)
	return out
}

// Built returns the answers of a build's output: the resources that kinds finds pod specs in,
// sorted.
func Built(kinds *manifest.Kinds, resources []manifest.Resource) ([]string, error) {
	var out []string
	for _, r := range resources {
		specs, err := kinds.PodSpecs(r)
		if err != nil {
			return nil, err
		}
		if len(specs) == 0 {
			continue
		}
		pods := make([]tree.PodSpec, len(specs))
		for i, ps := range specs {
			for _, im := range ps.Images {
				pods[i].Images = append(pods[i].Images, im.Value)
			}
			pods[i].Secrets = ps.SecretNames()
		}
		out = append(out, Of(r.Kind, r.Namespace, r.Name, pods))
	}
	sort.Strings(out)
	return out, nil
}
