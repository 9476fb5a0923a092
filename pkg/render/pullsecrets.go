package render

import (
	"fmt"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

// SharedError is the error for adding imagePullSecrets to a pod spec whose Shared is set.
func (p PodSpec) SharedError() *LineError {
	return &LineError{Line: p.SharedLine, Msg: p.Shared + ": acrgen edits files in place and cannot add imagePullSecrets there without changing every place that shares it; expand the alias or merge key"}
}

// AddPullSecret returns the edit that appends {name: secret} to a pod spec's imagePullSecrets,
// creating the list after the pod spec's last field when it is missing. A new list copies the
// indentation of the pod spec's containers list. ok is false when the secret is already listed.
func AddPullSecret(src *yamledit.Source, ps PodSpec, secret string) (e yamledit.Edit, ok bool, err error) {
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
