package engine

import (
	"github.com/acrgen/acrgen/pkg/render"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// annotations reads metadata.annotations of a resource node.
func annotations(res *yaml.Node) map[string]string {
	out := map[string]string{}
	a := render.MapValue(render.MapValue(res, "metadata"), "annotations")
	if a == nil || a.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(a.Content); i += 2 {
		out[a.Content[i].Value] = a.Content[i+1].Value
	}
	return out
}

// hasSopsMAC reports whether a resource carries a top-level sops block with a MAC, which is
// how Flux recognises an encrypted resource.
func hasSopsMAC(res *yaml.Node) bool {
	mac := render.MapValue(render.MapValue(res, "sops"), "mac")
	return mac != nil && mac.Value != ""
}
