package render

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// HelmPatch is one kustomize patch of a HelmRelease post-renderer: a strategic merge patch
// and the regular expression of the kinds it targets (kustomize's selector fields are
// anchored regular expressions).
type HelmPatch struct {
	Kind  string
	Patch string
}

// HelmPullSecretPatches returns the post-renderer patches that add {name: secret} to the
// imagePullSecrets of every built-in pod-template kind a chart may render. They are strategic
// merge patches: imagePullSecrets merges by name, so the secret is added whether or not the
// list exists and never twice (a JSON 6902 "add .../imagePullSecrets/-" fails without the
// list). A kind the chart does not render matches nothing, which kustomize allows.
func HelmPullSecretPatches(secret string) []HelmPatch {
	entry := "imagePullSecrets:\n" + "- name: " + quoteScalar(secret, false) + "\n"
	indent := func(s string, n int) string {
		pad := strings.Repeat(" ", n)
		lines := strings.SplitAfter(strings.TrimSuffix(s, "\n"), "\n")
		for i := range lines {
			lines[i] = pad + lines[i]
		}
		return strings.Join(lines, "") + "\n"
	}
	return []HelmPatch{
		{Kind: "Deployment|StatefulSet|DaemonSet|ReplicaSet|Job|ReplicationController",
			Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    spec:\n" + indent(entry, 6)},
		{Kind: "CronJob",
			Patch: "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: any\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" + indent(entry, 10)},
		{Kind: "Pod",
			Patch: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: any\nspec:\n" + indent(entry, 2)},
	}
}

// HelmPostRendererMissing reports whether the HelmRelease spec lacks one of the patches
// (same patch text, a target of the same kind and nothing else: a target narrowed to a name,
// namespace or selector reaches only some of the chart's pods) among its
// spec.postRenderers[].kustomize.patches.
func HelmPostRendererMissing(spec *yaml.Node, patches []HelmPatch) bool {
	have := map[[2]string]bool{}
	if prs := mapValue(spec, "postRenderers"); prs != nil && prs.Kind == yaml.SequenceNode {
		for _, pr := range prs.Content {
			ps := mapValue(mapValue(pr, "kustomize"), "patches")
			if ps == nil || ps.Kind != yaml.SequenceNode {
				continue
			}
			for _, p := range ps.Content {
				target := mapValue(p, "target")
				kind, text := mapValue(target, "kind"), mapValue(p, "patch")
				if kind != nil && text != nil && len(target.Content) == 2 {
					have[[2]string{kind.Value, strings.TrimSpace(text.Value)}] = true
				}
			}
		}
	}
	for _, p := range patches {
		if !have[[2]string{p.Kind, strings.TrimSpace(p.Patch)}] {
			return true
		}
	}
	return false
}

// AddHelmPostRenderer returns the edit that appends a post-renderer holding patches to the
// spec.postRenderers list of a HelmRelease (spec is its spec mapping), creating the list when
// it is missing. Existing post-renderers are kept as they are.
func AddHelmPostRenderer(src *Source, spec *yaml.Node, patches []HelmPatch) (Edit, error) {
	if spec == nil || spec.Kind != yaml.MappingNode || spec.Style&yaml.FlowStyle != 0 || len(spec.Content) == 0 {
		return Edit{}, fmt.Errorf("line %d: spec is not a block mapping: write it in block style", nodeLine(spec))
	}
	// The item's lines, relative to the column after its "- ".
	item := []string{"kustomize:", "  patches:"}
	for _, p := range patches {
		item = append(item, "  - target:", "      kind: "+quoteScalar(p.Kind, false), "    patch: |")
		for _, l := range strings.Split(strings.TrimSuffix(p.Patch, "\n"), "\n") {
			item = append(item, "      "+l)
		}
	}
	lines := func(dash, gap int) string {
		var b strings.Builder
		for i, l := range item {
			if i == 0 {
				b.WriteString(strings.Repeat(" ", dash) + "-" + strings.Repeat(" ", gap) + l + src.newline())
				continue
			}
			b.WriteString(strings.Repeat(" ", dash+1+gap) + l + src.newline())
		}
		return b.String()
	}
	k, v := mapPair(spec, "postRenderers")
	switch {
	case k == nil:
		indent := spec.Content[0].Column - 1
		last := spec.Content[len(spec.Content)-2]
		end := src.blockEnd(last.Line, indent, true)
		e := src.insertAfterLine(end, strings.Repeat(" ", indent)+"postRenderers:"+src.newline()+lines(indent, 1))
		e.NewKey = true
		return e, nil
	case v.Kind == yaml.SequenceNode && v.Style&yaml.FlowStyle == 0 && len(v.Content) > 0:
		dash, gap, ok := src.dashOf(v.Content[0])
		if !ok {
			return Edit{}, fmt.Errorf("line %d: cannot find the list item indicator of postRenderers", v.Content[0].Line)
		}
		end := src.blockEnd(v.Content[len(v.Content)-1].Line, dash, false)
		return src.insertAfterLine(end, lines(dash, gap)), nil
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null" && strings.TrimSpace(src.line(k.Line)[k.Column-1+len(k.Value):]) == ":":
		return src.insertAfterLine(k.Line, lines(k.Column-1, 1)), nil
	default:
		return Edit{}, fmt.Errorf("line %d: spec.postRenderers is not a block list: write it as one (\"postRenderers:\" then \"- kustomize: ...\" items)", k.Line)
	}
}

// HelmGroup is the API group of Flux HelmReleases.
const HelmGroup = "helm.toolkit.fluxcd.io"

// IsHelmRelease reports whether apiVersion and kind are a Flux HelmRelease's.
func IsHelmRelease(apiVersion, kind string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	return group == HelmGroup && kind == "HelmRelease"
}

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
