package fn

import (
	"path"
	"path/filepath"

	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// A package whose items hold a KSOPS generator (viaduct.ai/v1 ksops, as kpt reads the
// generator's file) decrypts with KSOPS, as `acrgen render` decides for a tree whose
// kustomization lists one (judge.UsesKSOPS): every encrypted pull Secret must be listed in a
// generator's files:, and the function adds the ones that are not (judge.KSOPSPlacement). A
// kustomize build runs the generator before the function sees the items, so there the
// function sees neither the generator nor the encrypted Secret.

// ksopsGenerator is a KSOPS generator among the items.
type ksopsGenerator struct {
	o *object
	// dir is the directory of its file, relative to the package root; files are its entries
	// joined to dir.
	dir   string
	files []string
}

// ksopsGenerators returns the KSOPS generators among objs whose file the orchestrator names.
func ksopsGenerators(objs []*object) []ksopsGenerator {
	var out []ksopsGenerator
	for _, o := range objs {
		file := fileOf(o.item)
		if o.inList || file == nil || !manifest.IsKSOPSGenerator(o.res.APIVersion, o.res.Kind) {
			continue
		}
		g := ksopsGenerator{o: o, dir: path.Dir(file.Path)}
		parsed, err := manifest.ParseKSOPSGenerator(o.res.Node)
		if err != nil {
			continue // kustomize fails on it, as KSOPS does
		}
		for _, f := range parsed.Files {
			g.files = append(g.files, path.Join(g.dir, f))
		}
		out = append(out, g)
	}
	return out
}

// placeSecrets lists each encrypted pull Secret of the items in the files: of a KSOPS
// generator, when the package decrypts with KSOPS: the generator of its directory, else the
// first.
func (r *run) placeSecrets(objs []*object) {
	gens := ksopsGenerators(objs)
	if !judge.UsesKSOPS(judge.DecryptorAuto, len(gens)) {
		return
	}
	for i, it := range r.rl.Items {
		res, ok := manifest.ResourceOf(it.YNode())
		file := fileOf(it)
		if !ok || file == nil || !judge.IsPullSecret(res, r.cfg.SecretName) || !manifest.SopsEncrypted(res.Node) {
			continue
		}
		p := path.Clean(file.Path)
		if listedIn(gens, p) {
			continue
		}
		g := gens[0]
		for _, x := range gens {
			if x.dir == path.Dir(p) {
				g = x
				break
			}
		}
		gen := fileOf(g.o.item).Path
		rel := relativeTo(g.dir, p)
		f, _ := judge.KSOPSPlacement(judge.Unlisted, rel, "", "", gen)
		o := &object{item: it, index: i, res: res}
		if !r.blocked() && g.o.item.PipeE(yaml.LookupCreate(yaml.SequenceNode, "files"), yaml.Append(&yaml.Node{Kind: yaml.ScalarNode, Value: rel})) == nil {
			f.Fixed = true
		}
		r.report(o, f)
	}
}

// listedIn reports whether a generator of gens lists the file p.
func listedIn(gens []ksopsGenerator, p string) bool {
	for _, g := range gens {
		for _, f := range g.files {
			if f == p {
				return true
			}
		}
	}
	return false
}

// relativeTo is p relative to dir, both slash-separated and relative to the package root.
func relativeTo(dir, p string) string {
	rel, err := filepath.Rel(filepath.FromSlash(dir), filepath.FromSlash(p))
	if err != nil {
		return p
	}
	return filepath.ToSlash(rel)
}
