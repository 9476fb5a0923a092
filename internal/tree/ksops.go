package tree

import (
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/yamledit"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Reading a KSOPS generator belongs with parsing a kustomization (the third step of a load): a
// generator file is configuration the walk reads, as it reads a kustomization; the files it
// lists are manifests of the build.

// KSOPS is a KSOPS generator (viaduct.ai/v1 ksops) that a kustomization of the build lists
// under generators:. kustomize runs it in that kustomization's directory; its output is the
// decrypted documents of its files, which then go through the kustomization's transformers as
// its resources do.
type KSOPS struct {
	// Path is the generator's file (real path); Kustomization is the file of the kustomization
	// that lists it, and Entry the generators: entry, as written.
	Path, Kustomization, Entry string
	// InRoot reports whether the generator's file lies under the root (acrgen may edit it).
	InRoot bool
	// Root reports whether the root kustomization lists it.
	Root bool
	// Files are the real paths of the files it lists.
	Files []string
	// Gen is what the file says.
	Gen manifest.KSOPSGenerator
	// Src, Doc and Mode are the file's bytes, its object node and permission bits, for in-place
	// edits.
	Src  *yamledit.Source
	Doc  *yaml.Node
	Mode fs.FileMode
}

// Lists reports whether the generator lists the file at path (a real path).
func (g *KSOPS) Lists(path string) bool {
	for _, f := range g.Files {
		if f == path {
			return true
		}
	}
	return false
}

// readKSOPS reads the generators: entry of kustomization k that leads to file p (its real
// path): the generator, when the file holds one KSOPS generator; nil when it holds something
// else (another plugin's configuration, which acrgen does not run).
func readKSOPS(rd reader, k *Kustomization, entry, p string) (*KSOPS, error) {
	b, mode, err := rd.read(p)
	if err != nil {
		return nil, err
	}
	m, err := manifest.Parse(b)
	if err != nil {
		return nil, lineErr(rd.display(p), err)
	}
	res := m.Resources()
	if len(res) != 1 || !manifest.IsKSOPSGenerator(res[0].APIVersion, res[0].Kind) {
		return nil, nil
	}
	gen, err := manifest.ParseKSOPSGenerator(res[0].Node)
	if err != nil {
		return nil, lineErr(rd.display(p), err)
	}
	if gen.FilesLine == 0 && !gen.SecretFrom {
		return nil, &InputError{Path: rd.display(p), Msg: fmt.Sprintf("KSOPS generator %q has neither files: nor secretFrom: KSOPS fails on it", res[0].Name)}
	}
	return &KSOPS{Path: p, Kustomization: k.Path, Entry: entry, Gen: gen, Src: m.Src, Doc: res[0].Node, Mode: mode}, nil
}

// ksopsFile is the real path of an entry of a KSOPS generator's files:, which kustomize runs in
// the directory of kustomization k.
func (ps paths) ksopsFile(g *KSOPS, dir, entry string) (string, error) {
	if isRemote(entry) || filepath.IsAbs(entry) {
		return "", &InputError{Path: ps.display(g.Path), Line: g.Gen.FilesLine, Msg: fmt.Sprintf("files: entry %q is not a path in the repository", entry)}
	}
	real, typ, err := ps.resolve(filepath.Join(dir, entry), g.Path, g.Gen.FilesLine)
	if err != nil {
		return "", err
	}
	if typ.IsDir() {
		return "", &InputError{Path: ps.display(g.Path), Line: g.Gen.FilesLine, Msg: fmt.Sprintf("files: entry %q is a directory, not an encrypted manifest", entry)}
	}
	return real, nil
}
