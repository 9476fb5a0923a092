package engine

import (
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
)

// RecordedSecret is a pull Secret of the tree as its plaintext annotations describe it: what
// `acrgen provision --retire` must keep working.
type RecordedSecret struct {
	// File is the file holding the Secret, as Options.Display shows it; Path is its path.
	File, Path string
	// Namespace is the Secret's effective namespace.
	Namespace string
	// Registries are the login servers it holds credentials for (secret.AnnotationRegistry).
	Registries []string
	// Username is secret.AnnotationUsername.
	Username string
	// Credential is secret.AnnotationCredential: which credential it holds; empty when the
	// Secret does not say (rendered by hand, or before acrgen recorded it).
	Credential string
}

// recorded lists the pull Secrets of the tree (its own, and those of the bases it pulls in),
// with the credential each records, from their plaintext metadata: no key is needed.
func (r *run) recorded(occ occurrences) []RecordedSecret {
	var out []RecordedSecret
	for i, inst := range occ.secrets {
		if inst == nil {
			continue // made by a generator
		}
		ann := occ.Secrets[i].Annotations
		out = append(out, RecordedSecret{
			File: r.display(inst.File.Path), Path: inst.File.Path, Namespace: inst.Namespace,
			Registries: settings.SplitList([]string{ann[secret.AnnotationRegistry]}),
			Username:   ann[secret.AnnotationUsername], Credential: ann[secret.AnnotationCredential],
		})
	}
	return out
}
