package manifest

import (
	"fmt"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

// SharedError is the error for adding imagePullSecrets to a pod spec whose Shared is set.
func (p PodSpec) SharedError() *LineError {
	return &LineError{Line: p.SharedLine, Msg: p.Shared + ": acrgen edits files in place and cannot add imagePullSecrets there without changing every place that shares it; expand the alias or merge key"}
}

// addPullSecret returns the edit that appends {name: secret} to a pod spec's imagePullSecrets,
// creating the list after the pod spec's last field when it is missing. A new list copies the
// indentation of the pod spec's containers list. ok is false when the secret is already listed.
func addPullSecret(src *yamledit.Source, ps PodSpec, secret string) (e yamledit.Edit, ok bool, err error) {
	if ps.HasSecret(secret) {
		return yamledit.Edit{}, false, nil
	}
	if ps.Shared != "" {
		return yamledit.Edit{}, false, ps.SharedError()
	}
	style := yamledit.SeqStyleOf(src, ps.Node, "containers", yamledit.CompactSeq)
	e, err = yamledit.AppendListItem(src, ps.Node, "imagePullSecrets", yamledit.ListItem{Key: "name", Value: secret}, style)
	if err != nil {
		return yamledit.Edit{}, false, fmt.Errorf("adding imagePullSecrets at %s: %w", ps.Path(), err)
	}
	return e, true, nil
}

// NeedsSecret decides whether a pod spec of a resource must reference the secret.
type NeedsSecret func(r Resource, ps PodSpec) bool

// PlanPatch returns the edits that add secret to the imagePullSecrets of every pod spec of m
// that needs it, one an added entry; yamledit.Apply applies them, and yamledit.Proven says
// whether the result must be parsed again to be trusted.
func PlanPatch(m *File, kinds *Kinds, needs NeedsSecret, secret string) ([]yamledit.Edit, error) {
	var edits []yamledit.Edit
	for _, r := range m.Resources() {
		specs, err := kinds.PodSpecs(r)
		if err != nil {
			return nil, err
		}
		for _, ps := range specs {
			if !needs(r, ps) {
				continue
			}
			e, ok, err := addPullSecret(m.Src, ps, secret)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", r.Kind, r.Name, err)
			}
			if ok {
				edits = append(edits, e)
			}
		}
	}
	return edits, nil
}

// MatchesRegistry returns a NeedsSecret that selects pod specs with at least one image from
// the matcher's registries, as written in the manifest.
func MatchesRegistry(match *Matcher) NeedsSecret {
	return func(_ Resource, ps PodSpec) bool {
		for _, img := range ps.Images {
			if _, ok := match.Match(img.Value); ok {
				return true
			}
		}
		return false
	}
}
