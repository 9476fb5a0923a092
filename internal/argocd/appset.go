package argocd

import (
	"bytes"
	"fmt"
	"strings"
	"text/template"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/acrgen/acrgen/pkg/finding"
)

// ApplicationSet is an argoproj.io/v1alpha1 ApplicationSet of the repository.
type ApplicationSet struct {
	Name, Namespace, File string
	Line                  int
}

// finding is a finding of code about the set, at its file and line.
func (s *ApplicationSet) finding(code finding.Code, args ...string) finding.Finding {
	return finding.New(code, args...).At(s.File, s.Line).On(finding.ArgoApplicationSet(s.Namespace, s.Name), "")
}

// unseen is a finding that acrgen does not see part of the set, as detail says.
func (s *ApplicationSet) unseen(format string, args ...any) finding.Finding {
	return s.finding(finding.ArgoSetUnseen, fmt.Sprintf(format, args...))
}

// String names the object, for messages.
func (s *ApplicationSet) String() string {
	if s.Namespace != "" {
		return fmt.Sprintf("ApplicationSet %s/%s", s.Namespace, s.Name)
	}
	return "ApplicationSet " + s.Name
}

// generatorKinds are the generators Argo CD v3.2 knows; only list is expanded.
var generatorKinds = []string{"list", "clusters", "git", "scmProvider", "clusterDecisionResource", "pullRequest", "matrix", "merge", "plugin"}

// expandSet returns the Applications that the list generators of set (its object node n)
// make, as the ApplicationSet controller renders them (argo-cd v3.2 applicationset: the list
// generator's params, the generator's template merged over spec.template, every string of the
// template rendered with fasttemplate, or Go's text/template when spec.goTemplate is set).
// What it does not expand is returned as findings.
func expandSet(set *ApplicationSet, n *yaml.Node) ([]*Application, []finding.Finding, error) {
	spec := manifest.MapValue(n, "spec")
	if spec == nil {
		return nil, nil, &lineError{line: n.Line, msg: set.String() + " has no spec"}
	}
	var opts struct {
		GoTemplate        bool     `yaml:"goTemplate"`
		GoTemplateOptions []string `yaml:"goTemplateOptions"`
		TemplatePatch     string   `yaml:"templatePatch"`
	}
	if err := decodeNode(spec, &opts); err != nil {
		return nil, nil, err
	}
	var fs []finding.Finding
	if opts.TemplatePatch != "" {
		fs = append(fs, set.unseen("spec.templatePatch is not applied: what it changes in the Applications is not seen"))
	}
	base := manifest.MapValue(spec, "template")
	gens := manifest.MapValue(spec, "generators")
	if gens == nil || gens.Kind != yaml.SequenceNode {
		return nil, append(fs, set.unseen("no spec.generators: it makes no Application")), nil
	}
	var apps []*Application
	for i, g := range gens.Content {
		list := manifest.MapValue(g, "list")
		switch {
		case list == nil:
			fs = append(fs, set.finding(finding.ArgoGeneratorUnseen, fmt.Sprintf("spec.generators[%d]", i), generatorKind(g)))
			continue
		case manifest.MapValue(g, "selector") != nil:
			fs = append(fs, set.unseen("spec.generators[%d]: a list generator with a selector is not expanded: the Applications it makes are not seen", i))
			continue
		}
		tmpl := mergeTemplate(manifest.MapValue(list, "template"), base)
		if tmpl == nil {
			return nil, nil, &lineError{line: g.Line, msg: fmt.Sprintf("%s: spec.generators[%d] has no template, nor has spec.template", set, i)}
		}
		params, err := listParams(list, opts.GoTemplate)
		if err != nil {
			fs = append(fs, set.unseen("spec.generators[%d]: %v: Argo CD makes no Application of it either", i, err))
			continue
		}
		for j, p := range params {
			out := copyNode(tmpl)
			if err := renderNode(out, p, opts.GoTemplate, opts.GoTemplateOptions); err != nil {
				fs = append(fs, set.unseen("spec.generators[%d] element %d: %v: the Application is not seen", i, j, err))
				continue
			}
			app, unknown, err := decodeTemplate(out, set)
			if err != nil {
				return nil, nil, err
			}
			for _, u := range unknown {
				f := app.finding(finding.ArgoUnknownField)
				f.Field = u
				fs = append(fs, f)
			}
			apps = append(apps, app)
		}
	}
	return apps, fs, nil
}

func generatorKind(g *yaml.Node) string {
	for _, k := range generatorKinds {
		if manifest.MapValue(g, k) != nil {
			return k
		}
	}
	if g.Kind == yaml.MappingNode && len(g.Content) > 0 {
		return g.Content[0].Value
	}
	return "unknown"
}

// listParams are the parameters of each element of a list generator: in fasttemplate mode a
// flat map of strings (an element's values map gives values.KEY), in goTemplate mode the
// element as it is.
func listParams(list *yaml.Node, goTemplate bool) ([]map[string]any, error) {
	var elems, more []map[string]any
	if e := manifest.MapValue(list, "elements"); e != nil {
		if err := e.Decode(&elems); err != nil {
			return nil, fmt.Errorf("elements: %v", err)
		}
	}
	if ey := manifest.MapValue(list, "elementsYaml"); ey != nil {
		if err := yaml.Unmarshal([]byte(ey.Value), &more); err != nil {
			return nil, fmt.Errorf("elementsYaml: %v", err)
		}
	}
	if goTemplate {
		return append(elems, more...), nil
	}
	out := make([]map[string]any, len(elems))
	for i, e := range elems {
		p := map[string]any{}
		for k, v := range e {
			if k == "values" {
				values, ok := v.(map[string]any)
				if !ok {
					return nil, fmt.Errorf("element %d: values is not a map", i)
				}
				for vk, vv := range values {
					s, ok := vv.(string)
					if !ok {
						return nil, fmt.Errorf("element %d: values.%s is not a string", i, vk)
					}
					p["values."+vk] = s
				}
				continue
			}
			s, ok := v.(string)
			if !ok {
				return nil, fmt.Errorf("element %d: %s is not a string (without goTemplate every parameter must be one)", i, k)
			}
			p[k] = s
		}
		out[i] = p
	}
	// Argo CD appends the elements of elementsYaml as they are, without flattening them.
	return append(out, more...), nil
}

// mergeTemplate is the generator's template with the fields it leaves empty taken from the
// ApplicationSet's (mergo.Merge, as the controller does).
func mergeTemplate(gen, base *yaml.Node) *yaml.Node {
	if gen == nil || isEmpty(gen) {
		if base == nil {
			return nil
		}
		return base
	}
	out := copyNode(gen)
	if base != nil {
		mergeInto(out, base)
	}
	return out
}

func isEmpty(n *yaml.Node) bool {
	switch n.Kind {
	case yaml.MappingNode, yaml.SequenceNode:
		for i := 1; n.Kind == yaml.MappingNode && i < len(n.Content); i += 2 {
			if !isEmpty(n.Content[i]) {
				return false
			}
		}
		return n.Kind == yaml.MappingNode || len(n.Content) == 0
	case yaml.ScalarNode:
		return n.Tag == "!!null" || n.Value == "" || n.Value == "false" || n.Value == "0"
	}
	return false
}

// mergeInto fills the empty fields of mapping dst from src, recursively.
func mergeInto(dst, src *yaml.Node) {
	if dst.Kind != yaml.MappingNode || src.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(src.Content); i += 2 {
		key, sv := src.Content[i], src.Content[i+1]
		dv := manifest.MapValue(dst, key.Value)
		switch {
		case dv == nil:
			dst.Content = append(dst.Content, copyNode(key), copyNode(sv))
		case dv.Kind == yaml.MappingNode && sv.Kind == yaml.MappingNode:
			mergeInto(dv, sv)
		case isEmpty(dv):
			*dv = *copyNode(sv)
		}
	}
}

func copyNode(n *yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = copyNode(ch)
	}
	return &c
}

// renderNode renders every string scalar of n, mapping keys included, with params.
func renderNode(n *yaml.Node, params map[string]any, goTemplate bool, options []string) error {
	if n.Kind == yaml.ScalarNode {
		if n.ShortTag() != "!!str" {
			return nil // a number or a bool: not a string field
		}
		s, err := replace(n.Value, params, goTemplate, options)
		if err != nil {
			return err
		}
		n.Value = s
		return nil
	}
	for _, c := range n.Content {
		if err := renderNode(c, params, goTemplate, options); err != nil {
			return err
		}
	}
	return nil
}

// replace renders one string as argo-cd's applicationset utils Render.Replace does.
// goTemplate mode runs text/template without Sprig's functions: a template that calls one is
// an error, and the Application is not seen.
func replace(s string, params map[string]any, goTemplate bool, options []string) (string, error) {
	if goTemplate {
		t, err := template.New("").Option(options...).Parse(s)
		if err != nil {
			return "", fmt.Errorf("template %q: %v (acrgen runs Go templates without Sprig's functions)", s, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, params); err != nil {
			return "", fmt.Errorf("template %q: %v", s, err)
		}
		return b.String(), nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		tag := s[i+2 : i+2+j]
		b.WriteString(s[:i])
		if v, ok := params[strings.TrimSpace(tag)].(string); ok && strings.TrimSpace(tag) != "" {
			b.WriteString(v)
		} else {
			b.WriteString("{{" + tag + "}}")
		}
		s = s[i+2+j+2:]
	}
	b.WriteString(s)
	return b.String(), nil
}

// decodeTemplate reads a rendered template ({metadata, spec}) as an Application of set.
func decodeTemplate(t *yaml.Node, set *ApplicationSet) (*Application, []string, error) {
	md := manifest.MapValue(t, "metadata")
	spec := manifest.MapValue(t, "spec")
	if md == nil || spec == nil {
		return nil, nil, &lineError{line: t.Line, msg: set.String() + ": its template needs metadata and spec"}
	}
	name, ns := manifest.Scalar(manifest.MapValue(md, "name")), manifest.Scalar(manifest.MapValue(md, "namespace"))
	if ns == "" {
		ns = set.Namespace
	}
	app, unknown, err := decodeSpec(name, ns, spec, t.Line)
	if err != nil {
		return nil, nil, err
	}
	app.File, app.Set = set.File, set.Name
	return app, unknown, nil
}
