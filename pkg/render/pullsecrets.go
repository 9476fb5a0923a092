package render

import (
	"fmt"
)

// AddPullSecret returns the edit that appends {name: secret} to a pod spec's imagePullSecrets,
// creating the list after the pod spec's last field when it is missing. A new list copies the
// indentation of the pod spec's containers list. ok is false when the secret is already listed.
func AddPullSecret(src *Source, ps PodSpec, secret string) (e Edit, ok bool, err error) {
	if ps.HasSecret(secret) {
		return Edit{}, false, nil
	}
	style := SeqStyleOf(src, ps.Node, "containers", CompactSeq)
	e, err = AppendListItem(src, ps.Node, "imagePullSecrets", ListItem{Key: "name", Value: secret}, style)
	if err != nil {
		return Edit{}, false, fmt.Errorf("adding imagePullSecrets at %s: %w", ps.Path(), err)
	}
	return e, true, nil
}
