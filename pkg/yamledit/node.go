package yamledit

import "sigs.k8s.io/kustomize/kyaml/yaml"

// Pair returns the key and value nodes of key in mapping n (as written: no alias or merge key
// is followed); nil, nil when there is none.
func Pair(n *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i], n.Content[i+1]
		}
	}
	return nil, nil
}
