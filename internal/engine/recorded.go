package engine

import (
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/render"
)

// RecordedSecret is a pull Secret of the tree as its plaintext annotations describe it: what
// `acrgen provision --retire` must keep working.
type RecordedSecret struct {
	// File is the file holding the Secret, as Options.Display shows it.
	File string
	// Namespace is the Secret's effective namespace.
	Namespace string
	// Registries are the login servers it holds credentials for (render.AnnotationRegistry).
	Registries []string
	// Username is render.AnnotationUsername.
	Username string
	// Credential is render.AnnotationCredential: which credential it holds; empty when the
	// Secret does not say (rendered by hand, or before acrgen recorded it).
	Credential string
}

// Recorded lists the Secrets named Options.SecretName that the tree applies (its own, and
// those of the bases it pulls in), with the credential each records. It reads only plaintext
// metadata: no key is needed.
func Recorded(opts Options) ([]RecordedSecret, error) {
	if opts.Kinds == nil {
		opts.Kinds = render.NewKinds()
	}
	display := opts.Display
	if display == nil {
		display = func(s string) string { return s }
	}
	t, err := tree.Load(opts.Dir, tree.Options{MaxFileSize: opts.MaxFileSize, Kinds: opts.Kinds, Display: display})
	if err != nil {
		return nil, err
	}
	var out []RecordedSecret
	for _, inst := range t.Instances {
		res := inst.Resource
		if res.Kind != "Secret" || res.APIVersion != "v1" || res.Name != opts.SecretName {
			continue
		}
		ann := render.Annotations(res.Node)
		out = append(out, RecordedSecret{
			File: display(inst.File.Path), Namespace: inst.Namespace,
			Registries: render.SplitList([]string{ann[render.AnnotationRegistry]}),
			Username:   ann[render.AnnotationUsername], Credential: ann[render.AnnotationCredential],
		})
	}
	return out, nil
}
