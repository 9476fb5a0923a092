package manifest

import (
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ImageField is a field named "image" with a string value, in a resource of a kind that
// acrgen does not know as a workload.
type ImageField struct {
	// Path is the field's path from the resource root, e.g.
	// spec.template.spec.containers[0].image.
	Path string
	// Image is its value.
	Image string
	// Line is the value's line in its file (1-based; 0 when unknown).
	Line int
}

// ImageFields returns every field named "image" with a non-empty string value in obj, in
// document order. A resource acrgen does not know as a workload may still run pods (a custom
// resource such as an Argo Rollout); these fields are how its pods' images show. An "image"
// mapping in the style of Helm charts and operators ({registry: R, repository: X, tag: T})
// counts as the image R/X, at the field of its repository.
func ImageFields(obj *yaml.Node) []ImageField {
	var out []ImageField
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Value == "image" && v.Kind == yaml.ScalarNode && v.Tag != yaml.NodeTagNull && v.Value != "" {
					out = append(out, ImageField{Path: p, Image: v.Value, Line: v.Line})
					continue
				}
				if repo := mapValue(v, "repository"); k.Value == "image" && v.Kind == yaml.MappingNode && Scalar(repo) != "" {
					image := repo.Value
					if reg := Scalar(mapValue(v, "registry")); reg != "" {
						image = strings.TrimSuffix(reg, "/") + "/" + image
					}
					out = append(out, ImageField{Path: p + ".repository", Image: image, Line: repo.Line})
					continue
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	if obj != nil {
		walk(obj, "")
	}
	return out
}
