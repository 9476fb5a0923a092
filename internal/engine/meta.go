package engine

import "sigs.k8s.io/kustomize/kyaml/yaml"

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// annotations reads metadata.annotations of a resource node.
func annotations(res *yaml.Node) map[string]string {
	out := map[string]string{}
	a := child(child(res, "metadata"), "annotations")
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
	mac := child(child(res, "sops"), "mac")
	return mac != nil && mac.Value != ""
}
