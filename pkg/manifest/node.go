package manifest

import "sigs.k8s.io/kustomize/kyaml/yaml"

// MapValue returns the value under key in a mapping node, or nil. It reads through aliases
// and merge keys, as kustomize does.
func MapValue(n *yaml.Node, key string) *yaml.Node { return mapValue(n, key) }

// Scalar returns the value of a scalar node; "" for nil, null and any other kind of node.
func Scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == yaml.NodeTagNull {
		return ""
	}
	return n.Value
}
