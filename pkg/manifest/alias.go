package manifest

import (
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/pkg/yamledit"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxMergeDepth bounds how deep merge keys ("<<") may nest, which also stops a merge that
// includes itself.
const maxMergeDepth = 64

// resolved follows YAML aliases to the node they name.
func resolved(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxMergeDepth; i++ {
		n = n.Alias
	}
	return n
}

// isMergeKey reports whether a mapping key is the YAML merge key "<<".
func isMergeKey(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && k.Tag == yaml.MergeTag }

// lookup returns the value under key in mapping n as YAML 1.1 (and so kustomize, which
// expands aliases and merge keys when it reads a file) sees it: aliases are followed, an
// explicit key wins over a merged one, and an earlier merged mapping over a later one. merge
// is the "<<" key the value came through, nil for an explicit key.
func lookup(n *yaml.Node, key string) (v, merge *yaml.Node) {
	return lookupDepth(n, key, 0)
}

func lookupDepth(n *yaml.Node, key string, depth int) (v, merge *yaml.Node) {
	n = resolved(n)
	if n == nil || n.Kind != yaml.MappingNode || depth > maxMergeDepth {
		return nil, nil
	}
	var merges []int
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if isMergeKey(k) {
			merges = append(merges, i)
			continue
		}
		if k.Value == key {
			return resolved(n.Content[i+1]), nil
		}
	}
	for _, i := range merges {
		from := []*yaml.Node{resolved(n.Content[i+1])}
		if from[0] != nil && from[0].Kind == yaml.SequenceNode {
			from = from[0].Content
		}
		for _, m := range from {
			if v, _ := lookupDepth(m, key, depth+1); v != nil {
				return v, n.Content[i]
			}
		}
	}
	return nil, nil
}

// hasMergeKey reports whether mapping n has a "<<" key of its own.
func hasMergeKey(n *yaml.Node) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if isMergeKey(n.Content[i]) {
			return true
		}
	}
	return false
}

// sharedField says why the value under key in mapping m cannot be edited in place without
// changing other parts of the file: it comes from a merge key, it is an alias, or it carries
// an anchor that aliases may refer to. It returns "" when an edit is safe, also when the key
// is absent (it is then added to m itself). parent is the field path of m, for the message.
func sharedField(m *yaml.Node, key string, parent []string) (string, int) {
	if m == nil || m.Kind != yaml.MappingNode {
		return "", 0
	}
	k, v := yamledit.Pair(m, key)
	if k == nil {
		if _, merge := lookup(m, key); merge != nil {
			return fmt.Sprintf("%s comes from a YAML merge key (<<)", fieldPath(parent, key)), merge.Line
		}
		return "", 0
	}
	if v.Kind != yaml.AliasNode && v.Anchor == "" {
		return "", 0
	}
	return sharedNode(v, fieldPath(parent, key))
}

func fieldPath(parent []string, key string) string {
	return strings.Join(append(parent[:len(parent):len(parent)], key), ".")
}

// sharedNode says why node n cannot be edited in place: it is an alias or carries an anchor.
func sharedNode(n *yaml.Node, what string) (string, int) {
	switch {
	case n.Kind == yaml.AliasNode:
		return fmt.Sprintf("%s is a YAML alias (*%s)", what, n.Value), n.Line
	case n.Anchor != "":
		return fmt.Sprintf("%s carries a YAML anchor (&%s) that YAML aliases may share", what, n.Anchor), n.Line
	}
	return "", 0
}

// maxExpandedNodes bounds Expand, so that aliases of aliases ("billion laughs") cannot make
// it exhaust memory.
const maxExpandedNodes = 1 << 20

// Expand returns a deep copy of n with every alias replaced by a copy of what it names and
// merge keys applied, which is how kustomize reads the object. n is not changed.
func Expand(n *yaml.Node) (*yaml.Node, error) {
	budget := maxExpandedNodes
	return expand(n, &budget, 0)
}

func expand(n *yaml.Node, budget *int, depth int) (*yaml.Node, error) {
	if *budget--; *budget < 0 {
		return nil, &LineError{Line: n.Line, Msg: fmt.Sprintf("YAML aliases expand to more than %d nodes", maxExpandedNodes)}
	}
	if depth > 10*maxMergeDepth {
		return nil, &LineError{Line: n.Line, Msg: "YAML nests too deep"}
	}
	if n.Kind == yaml.AliasNode {
		t := resolved(n)
		if t == nil || t.Kind == yaml.AliasNode {
			return nil, &LineError{Line: n.Line, Msg: "unresolved YAML alias *" + n.Value}
		}
		return expand(t, budget, depth+1)
	}
	c := *n
	c.Anchor = ""
	c.Content = nil
	kids := n.Content
	if n.Kind == yaml.MappingNode {
		kids = nil
		for _, e := range entries(n, 0) {
			kids = append(kids, e[0], e[1])
		}
	}
	for _, k := range kids {
		x, err := expand(k, budget, depth+1)
		if err != nil {
			return nil, err
		}
		c.Content = append(c.Content, x)
	}
	return &c, nil
}
