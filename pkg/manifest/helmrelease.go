package manifest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acrgen/acrgen/pkg/yamledit"
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
	entry := "imagePullSecrets:\n" + "- name: " + yamledit.QuoteScalar(secret, false) + "\n"
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

// AddHelmPostRenderer returns the edit that appends a post-renderer holding patches to the
// spec.postRenderers list of a HelmRelease (spec is its spec mapping), creating the list when
// it is missing. Existing post-renderers are kept as they are.
func AddHelmPostRenderer(src *yamledit.Source, spec *yaml.Node, patches []HelmPatch) (yamledit.Edit, error) {
	if spec == nil || spec.Kind != yaml.MappingNode || spec.Style&yaml.FlowStyle != 0 || len(spec.Content) == 0 {
		return yamledit.Edit{}, fmt.Errorf("line %d: spec is not a block mapping: write it in block style", yamledit.NodeLine(spec))
	}
	// The item's lines, relative to the column after its "- ".
	item := []string{"kustomize:", "  patches:"}
	for _, p := range patches {
		item = append(item, "  - target:", "      kind: "+yamledit.QuoteScalar(p.Kind, false), "    patch: |")
		for _, l := range strings.Split(strings.TrimSuffix(p.Patch, "\n"), "\n") {
			item = append(item, "      "+l)
		}
	}
	e, err := yamledit.AppendBlockItem(src, spec, "postRenderers", item)
	var nb *yamledit.NotBlockListError
	if errors.As(err, &nb) {
		return e, fmt.Errorf("line %d: spec.postRenderers is not a block list: write it as one (\"postRenderers:\" then \"- kustomize: ...\" items)", nb.Line)
	}
	return e, err
}

// HelmGroup is the API group of Flux HelmReleases.
const HelmGroup = "helm.toolkit.fluxcd.io"

// IsHelmRelease reports whether apiVersion and kind are a Flux HelmRelease's.
func IsHelmRelease(apiVersion, kind string) bool {
	group, _, _ := strings.Cut(apiVersion, "/")
	return group == HelmGroup && kind == "HelmRelease"
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
