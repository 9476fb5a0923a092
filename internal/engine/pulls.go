package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// Pull is what `acrgen check --online` asks the registry about one namespace: whether the
// credential in the namespace's pull Secret pulls each image its workloads name.
type Pull struct {
	// Namespace is the workloads' effective namespace ("" for none).
	Namespace string
	// Images are the references the workloads pull from the configured registries, as
	// kustomize and Flux leave them, sorted, each once. A reference that still holds a ${VAR}
	// is left out: the tree's warnings name it.
	Images []string
	// File and Line are where the namespace's pull Secret is; Secret is the Secret as a
	// finding names it.
	File   string
	Line   int
	Secret finding.Object
	// Doc is the Secret's file, what sops -d decrypts, when the Secret is its one document;
	// nil when acrgen has no document of it to decrypt, and Why then says why.
	Doc []byte
	Why string
}

// pulls lists, for each namespace that has a pull Secret, the images its in-scope workloads
// pull from the configured registries.
func (r *run) pulls(occ occurrences, d judge.Decisions) []Pull {
	match := manifest.NewMatcher(r.opts.Registries)
	images := map[string]map[string]bool{}
	for _, pd := range d.Pods {
		if pd.Action == judge.PodOutOfScope || pd.Action == judge.PodBadNamespace {
			continue
		}
		inst := r.t.Instances[pd.ID]
		for _, img := range inst.PodSpecs[pd.PodSpec].Images {
			if _, ok := match.Match(img); !ok || strings.Contains(img, "${") {
				continue
			}
			if images[inst.Namespace] == nil {
				images[inst.Namespace] = map[string]bool{}
			}
			images[inst.Namespace][img] = true
		}
	}
	var out []Pull
	for _, nd := range d.Namespaces {
		if nd.Secret < 0 || len(images[nd.Namespace]) == 0 {
			continue // no Secret: check reports it missing
		}
		p := Pull{Namespace: nd.Namespace, Images: slices.Sorted(maps.Keys(images[nd.Namespace])), Secret: judge.SecretObject(r.opts.SecretName, nd.Namespace)}
		inst := occ.secrets[nd.Secret]
		if inst == nil {
			p.Why = "it is made by a kustomize secretGenerator, whose sources acrgen does not read"
			out = append(out, p)
			continue
		}
		p.File, p.Line, p.Secret.Name = inst.File.Path, inst.Resource.Node.Line, inst.Resource.Name
		if doc, ok := secretDocument(*inst); ok {
			p.Doc = doc
		} else {
			p.Why = "it shares its file with other documents, which sops -d would read as one"
		}
		out = append(out, p)
	}
	return out
}

// mergePulls adds the pulls of another run to all: one per Secret file and namespace, with the
// images of both.
func mergePulls(all, more []Pull) []Pull {
	for _, p := range more {
		i := slices.IndexFunc(all, func(q Pull) bool { return q.File == p.File && q.Namespace == p.Namespace && q.Secret == p.Secret })
		if i < 0 {
			all = append(all, p)
			continue
		}
		imgs := append(slices.Clone(all[i].Images), p.Images...)
		slices.Sort(imgs)
		all[i].Images = slices.Compact(imgs)
	}
	return all
}
