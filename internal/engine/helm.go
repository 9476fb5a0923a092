package engine

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/acrgen/acrgen/internal/flux"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/yamledit"
)

// selectHelmReleases returns the HelmReleases that names select: "all", "namespace/name" or
// "name" (which must then be unique).
func selectHelmReleases(names []string, repo *flux.Repo, display func(string) string) ([]*flux.HelmRelease, error) {
	if len(names) == 0 {
		return nil, nil
	}
	var known []string
	for _, h := range repo.HelmReleases {
		known = append(known, h.Namespace+"/"+h.Name)
	}
	hint := "no Flux Kustomization acrgen followed applies a HelmRelease"
	if len(known) > 0 {
		hint = "the HelmReleases found are " + strings.Join(known, ", ")
	}
	var out []*flux.HelmRelease
	for _, name := range names {
		if name == "all" {
			if len(repo.HelmReleases) == 0 {
				return nil, &UsageError{Msg: "--helm-release all: " + hint}
			}
			for _, h := range repo.HelmReleases {
				if !slices.Contains(out, h) {
					out = append(out, h)
				}
			}
			continue
		}
		var hits []*flux.HelmRelease
		for _, h := range repo.HelmReleases {
			if h.Is(name) {
				hits = append(hits, h)
			}
		}
		switch {
		case len(hits) == 0:
			return nil, &UsageError{Msg: fmt.Sprintf("--helm-release %s: no such HelmRelease: %s", name, hint)}
		case len(hits) > 1:
			return nil, &UsageError{Msg: fmt.Sprintf("--helm-release %s names %s (%s) and %s (%s): give namespace/name", name, hits[0], display(hits[0].File), hits[1], display(hits[1].File))}
		}
		if !slices.Contains(out, hits[0]) {
			out = append(out, hits[0])
		}
	}
	return out, nil
}

// helmPostRenderers gives each selected HelmRelease the post-renderer patches that add the
// secret to the pods its chart renders: one edit of its file, none when they are there.
func (m *merger) helmPostRenderers(hs []*flux.HelmRelease, targets []flux.Target, opts Options) error {
	patches := manifest.HelmPullSecretPatches(opts.SecretName)
	var files []string
	edits := map[string][]yamledit.Edit{}
	srcs := map[string]*manifest.File{}
	modes := map[string]fs.FileMode{}
	done := map[[2]string]bool{} // file, name: one file built into two namespaces is one object to edit
	for _, h := range hs {
		// The release namespace names the Secret's file: it must be a namespace name.
		if _, field, err := h.ReleaseNamespace(); err != nil {
			return &tree.InputError{Path: opts.Display(h.File), Msg: fmt.Sprintf("%s: %s: %v", h, field, err)}
		}
		k := [2]string{h.File, h.Name}
		if done[k] {
			continue
		}
		done[k] = true
		// acrgen writes only inside the directories it works on (as for a workload of a base
		// elsewhere; a HelmRelease gets no patch file in the overlay).
		inside := slices.ContainsFunc(targets, func(t flux.Target) bool {
			return tree.Within(realDir(t.Dir), realDir(filepath.Dir(h.File)))
		})
		if !inside {
			by, dir := "", ""
			if h.By != nil {
				by, dir = h.By.String(), opts.Display(h.Dir)
			}
			m.add(finding.New(finding.HelmReleaseOutside, by, dir).At(h.File, 0).On(helmObject(h), ""))
			continue
		}
		man, ok := srcs[h.File]
		if !ok {
			b, mode, err := tree.ReadFile(filepath.Dir(h.File), h.File, tree.Options{MaxFileSize: opts.MaxFileSize, Display: opts.Display})
			if err != nil {
				return err
			}
			modes[h.File] = mode
			if man, err = manifest.Parse(b); err != nil {
				return &tree.InputError{Path: opts.Display(h.File), Msg: err.Error()}
			}
			srcs[h.File] = man
			files = append(files, h.File)
		}
		res, err := helmResource(man, h)
		if err != nil {
			return &tree.InputError{Path: opts.Display(h.File), Msg: err.Error()}
		}
		spec := manifest.MapValue(res.Node, "spec")
		if !manifest.HelmPostRendererMissing(spec, patches) {
			continue
		}
		missing := finding.New(finding.PostRendererMissing, opts.SecretName, h.Namespace+"/"+h.Name).At(h.File, res.Node.Line).On(helmObject(h), "spec.postRenderers")
		if !m.writes {
			m.add(missing)
			continue
		}
		e, err := manifest.AddHelmPostRenderer(man.Src, spec, patches)
		if err != nil {
			return &tree.InputError{Path: opts.Display(h.File), Msg: fmt.Sprintf("%s: %v", h, err)}
		}
		edits[h.File] = append(edits[h.File], e)
		missing.Fixed = true
		m.add(missing)
	}
	for _, f := range files {
		if len(edits[f]) == 0 {
			continue
		}
		old := srcs[f].Src.Bytes()
		updated, err := yamledit.Apply(old, edits[f])
		if err != nil {
			return fmt.Errorf("internal error: editing %s: %w", opts.Display(f), err)
		}
		if err := parseEdited(old, updated); err != nil {
			return fmt.Errorf("internal error: the new %s does not parse (%v); nothing was written", opts.Display(f), err)
		}
		m.by[f], m.who[f] = len(m.res.Changes), "--helm-release"
		m.res.Changes = append(m.res.Changes, FileChange{Path: f, Old: old, New: updated, Mode: modes[f]})
	}
	return nil
}

// helmResource finds the HelmRelease h in its file.
func helmResource(man *manifest.File, h *flux.HelmRelease) (manifest.Resource, error) {
	for _, res := range man.Resources() {
		if !manifest.IsHelmRelease(res.APIVersion, res.Kind) || res.Name != h.Name {
			continue
		}
		_, version, _ := strings.Cut(res.APIVersion, "/")
		if version != "v2" && version != "v2beta2" {
			return res, fmt.Errorf("line %d: %s: version %s is not supported for --helm-release: use v2 or v2beta2", res.Node.Line, h, version)
		}
		return res, nil
	}
	return manifest.Resource{}, fmt.Errorf("%s is not in this file any more: run acrgen again", h)
}
