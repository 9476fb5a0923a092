package engine

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/yamledit"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A tree that decrypts with KSOPS (see judge.UsesKSOPS) gets the pull Secret through a KSOPS
// generator of its root kustomization, never under resources:, where kustomize would pass it
// through still encrypted. The generator is one the root kustomization lists already, whose
// file acrgen may edit; otherwise a new one, in the shape KSOPS's README gives it
// (github.com/viaduct-ai/kustomize-sops, "Define KSOPS kustomize Generator"), listed under
// generators:.

// ksopsHeader starts a KSOPS generator file acrgen writes.
const ksopsHeader = "# The KSOPS generator that decrypts the pull Secret while kustomize builds this directory (in Argo\n" +
	"# CD's repo-server, with kustomize.buildOptions: --enable-alpha-plugins --enable-exec). Written by\n" +
	"# acrgen; it keeps the files listed here, and adds the Secret files it writes.\n"

// usesKSOPS decides whether the run's tree decrypts with KSOPS; a tree that cannot is an error.
func (r *run) usesKSOPS() (bool, error) {
	d := r.opts.Decryptor
	if r.part.flux {
		if d == judge.DecryptorKSOPS {
			return false, &UsageError{Msg: fmt.Sprintf("--decryptor ksops: a Flux Kustomization builds %s, and kustomize-controller runs no kustomize plugin: Flux decrypts the Secret itself (spec.decryption); drop --decryptor, or run acrgen on the directories Argo CD applies", r.display(r.t.Root))}
		}
		return false, nil // kustomize-controller would fail on a KSOPS generator anyway
	}
	if !judge.UsesKSOPS(d, len(r.t.KSOPS)) {
		return false, nil
	}
	if r.t.Kustomization == nil && r.part.argo != nil {
		return false, nil // a directory source: ksopsDecryption says that nothing decrypts it
	}
	if r.t.Kustomization == nil {
		return false, &tree.InputError{Path: r.display(r.t.Root), Msg: "--decryptor ksops: KSOPS is a kustomize plugin, and this directory has no kustomization: add a kustomization.yaml listing its manifests"}
	}
	return true, nil
}

// generatorOf is the KSOPS generator of the tree that lists the file at path; nil for none.
func (r *run) generatorOf(path string) *tree.KSOPS {
	for _, g := range r.t.KSOPS {
		if g.Lists(path) {
			return g
		}
	}
	return nil
}

// rootGenerator is the KSOPS generator the root kustomization lists, whose file acrgen may
// edit and that has a files: list; nil for none.
func (r *run) rootGenerator() *tree.KSOPS {
	for _, g := range r.t.KSOPS {
		if g.Root && g.InRoot && g.Gen.FilesLine > 0 {
			return g
		}
	}
	return nil
}

// newGeneratorPath is the KSOPS generator file acrgen writes when the root kustomization
// lists none it can add to.
func (r *run) newGeneratorPath() string {
	return filepath.Join(r.t.Root, r.opts.SecretName+".ksops.yaml")
}

// placeSecret reports an existing pull Secret that the tree lists under resources: while it
// decrypts with KSOPS.
func (r *run) placeSecret(inst tree.Instance, sec judge.ExistingSecret) {
	if !r.ksops || !sec.Encrypted || r.generatorOf(inst.File.Path) != nil {
		return
	}
	k := tree.FindKustomization(filepath.Dir(inst.File.Path))
	if k == "" {
		k = filepath.Dir(inst.File.Path)
	}
	f, _ := judge.KSOPSPlacement(judge.InResources, r.display(inst.File.Path), r.opts.SecretName, r.display(k), "")
	r.add(r.locate(f, inst, inst.Resource.Node.Line))
}

// listGenerated adds a Secret file of the root directory, the Secret for namespace ns, to the
// files: of the root's KSOPS generator, as listResource adds one to resources:.
func (r *run) listGenerated(path, ns string) error {
	if r.generatorOf(path) != nil {
		return nil
	}
	gen := r.newGeneratorPath()
	if g := r.rootGenerator(); g != nil {
		gen = g.Path
	}
	rel, err := filepath.Rel(r.t.Kustomization.Dir, path)
	if err != nil {
		return err
	}
	f, _ := judge.KSOPSPlacement(judge.Unlisted, rel, "", "", r.display(gen))
	f = f.On(judge.SecretObject(r.opts.SecretName, ns), "")
	f.File, f.Fixed = r.t.Kustomization.Path, r.writes()
	r.add(f)
	if f.Fixed {
		r.ksopsFiles = append(r.ksopsFiles, filepath.ToSlash(rel))
	}
	return nil
}

// finishKSOPS writes the files listGenerated gathered into the root's KSOPS generator: the
// existing one, or a new one that the root kustomization then lists under generators:.
func (r *run) finishKSOPS() error {
	if len(r.ksopsFiles) == 0 {
		return nil
	}
	if g := r.rootGenerator(); g != nil {
		style := yamledit.SeqStyleOf(g.Src, g.Doc, "files", yamledit.CompactSeq)
		var edits []yamledit.Edit
		for _, f := range r.ksopsFiles {
			e, err := yamledit.AppendListItem(g.Src, g.Doc, "files", yamledit.ListItem{Value: f}, style)
			if err != nil {
				return &tree.InputError{Path: r.display(g.Path), Msg: "adding to the KSOPS generator's files: " + err.Error()}
			}
			edits = append(edits, e)
		}
		out, err := yamledit.Apply(g.Src.Bytes(), edits)
		if err != nil {
			return &tree.InputError{Path: r.display(g.Path), Msg: "adding to the KSOPS generator's files: " + err.Error()}
		}
		r.res.Changes = append(r.res.Changes, FileChange{Path: g.Path, Old: g.Src.Bytes(), New: out, Mode: g.Mode, proven: yamledit.Proven(edits)})
		return nil
	}
	path := r.newGeneratorPath()
	if _, _, err := r.readFile(path); err == nil {
		return &tree.InputError{Path: r.display(path), Msg: "exists, but the kustomization does not list it under generators: list it there, or move it away so acrgen can write it"}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	data, err := ksopsGenerator(r.opts.SecretName+"-generator", r.ksopsFiles)
	if err != nil {
		return err
	}
	r.res.Changes = append(r.res.Changes, FileChange{Path: path, New: data, Created: true, Mode: 0o644})
	k := r.t.Kustomization
	style := yamledit.SeqStyleOf(k.Src, k.Doc, "resources", yamledit.CompactSeq)
	e, err := yamledit.AppendListItem(k.Src, k.Doc, "generators", yamledit.ListItem{Value: filepath.Base(path)}, style)
	if err != nil {
		return &tree.InputError{Path: r.display(k.Path), Msg: err.Error()}
	}
	r.kustoms = append(r.kustoms, e)
	return nil
}

// ksopsGenerator is a new KSOPS generator file named name that lists files.
func ksopsGenerator(name string, files []string) ([]byte, error) {
	fn := yaml.NewScalarRNode(manifest.KSOPSFunction)
	fn.YNode().Style = yaml.LiteralStyle
	list := yaml.NewListRNode(files...)
	doc := yaml.NewMapRNode(nil)
	for _, f := range []struct {
		path []string
		node *yaml.RNode
	}{
		{[]string{"apiVersion"}, yaml.NewStringRNode(manifest.KSOPSAPIVersion)},
		{[]string{"kind"}, yaml.NewStringRNode(manifest.KSOPSKind)},
		{[]string{"metadata", "name"}, yaml.NewStringRNode(name)},
		{[]string{"metadata", "annotations", "config.kubernetes.io/function"}, fn},
		{[]string{"files"}, list},
	} {
		if err := doc.PipeE(yaml.LookupCreate(yaml.MappingNode, f.path[:len(f.path)-1]...), yaml.SetField(f.path[len(f.path)-1], f.node)); err != nil {
			return nil, fmt.Errorf("writing the KSOPS generator: %w", err)
		}
	}
	s, err := doc.String()
	if err != nil {
		return nil, fmt.Errorf("writing the KSOPS generator: %w", err)
	}
	return []byte(ksopsHeader + s), nil
}

// ksopsDecryption reports a run for an Argo CD Application whose tree applies the encrypted pull
// Secret (or would, once written) while nothing decrypts it where Argo CD builds it.
func (r *run) ksopsDecryption() []finding.Finding {
	if r.ksops || r.opts.Decryptor == judge.DecryptorSOPS {
		return nil
	}
	applies := false
	for _, inst := range r.t.Instances {
		applies = applies || judge.IsPullSecret(inst.Resource, r.opts.SecretName) && manifest.SopsEncrypted(inst.Resource.Node)
	}
	for _, c := range r.res.Changes {
		applies = applies || c.secret != ""
	}
	for _, f := range r.res.Findings {
		applies = applies || f.Code == finding.SecretMissing
	}
	if !applies || r.part.argo == nil {
		return nil
	}
	why := ""
	if r.t.Kustomization == nil {
		why = "a directory source, which Argo CD reads without kustomize: no KSOPS generator runs there"
	}
	app := r.part.argo.App
	return []finding.Finding{finding.New(finding.ArgoDecryptionMissing, app.Set, r.opts.SecretName, r.part.argo.Label, why).At(app.File, app.Line).On(app.Object(), "")}
}

// unread reports a Secret file that the deployer would not read where a run would place it (an
// Argo CD directory source's include and exclude leave it out): acrgen does not write it.
func (r *run) unread(path string) bool {
	ov := r.opts.Overlay
	if r.t.Kustomization != nil || ov == nil || ov.Select == nil || r.part.argo == nil {
		return false
	}
	rel, err := filepath.Rel(r.t.Root, path)
	if err != nil || ov.Select(filepath.ToSlash(rel), false) {
		return false
	}
	app := r.part.argo.App
	r.add(finding.New(finding.ArgoSecretUnread, app.Set, rel, r.part.argo.Label).At(app.File, app.Line).On(app.Object(), ""))
	return true
}
