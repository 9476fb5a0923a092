package manifest

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// KSOPS is the kustomize plugin Argo CD users decrypt SOPS files with in the repo-server
// (github.com/viaduct-ai/kustomize-sops). A kustomization lists a generator of this
// apiVersion and kind under generators:; kustomize runs it as an exec KRM function (with
// --enable-alpha-plugins --enable-exec), and it outputs the decrypted documents of the files
// it lists.
const (
	KSOPSAPIVersion = "viaduct.ai/v1"
	KSOPSKind       = "ksops"
	// KSOPSFunction is the annotation KSOPS's README gives its generator: kustomize runs the
	// ksops binary found on PATH.
	KSOPSFunction = "exec:\n  path: ksops\n"
)

// IsKSOPSGenerator reports whether apiVersion and kind are a KSOPS generator's.
func IsKSOPSGenerator(apiVersion, kind string) bool {
	return apiVersion == KSOPSAPIVersion && kind == KSOPSKind
}

// KSOPSGenerator is what acrgen reads of a KSOPS generator.
type KSOPSGenerator struct {
	// Files are the entries of files:, as written (relative to the directory kustomize runs
	// the generator in: the kustomization's).
	Files []string
	// FilesLine is the line of the files: key; 0 when there is none.
	FilesLine int
	// SecretFrom is true when the generator also makes Secrets from other files (secretFrom),
	// which acrgen does not model.
	SecretFrom bool
}

// ParseKSOPSGenerator reads the KSOPS generator whose object node is n. A files: that is not
// a list of strings is an error naming its line.
func ParseKSOPSGenerator(n *yaml.Node) (KSOPSGenerator, error) {
	var g KSOPSGenerator
	if sf := MapValue(n, "secretFrom"); sf != nil && !(sf.Kind == yaml.SequenceNode && len(sf.Content) == 0) {
		g.SecretFrom = true
	}
	files := MapValue(n, "files")
	if files == nil || files.Tag == "!!null" {
		return g, nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "files" {
			g.FilesLine = n.Content[i].Line
		}
	}
	if files.Kind != yaml.SequenceNode {
		return g, &LineError{Line: files.Line, Msg: "files: is not a list of file names"}
	}
	for _, f := range files.Content {
		if f.Kind != yaml.ScalarNode || f.ShortTag() != "!!str" || f.Value == "" {
			return g, &LineError{Line: f.Line, Msg: fmt.Sprintf("files: entry %q is not a file name", Scalar(f))}
		}
		g.Files = append(g.Files, f.Value)
	}
	return g, nil
}
