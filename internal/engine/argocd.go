package engine

import (
	"fmt"
	"path/filepath"

	"github.com/acrgen/acrgen/internal/argocd"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
)

// argoPlain reports whether dir, given to Plan, holds no Argo CD Application nor ApplicationSet:
// it is worked on as it is (unless a Flux Kustomization builds it).
func argoPlain(repo *argocd.Repo, dir string) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return true
	}
	for _, p := range repo.Plain {
		if p == abs {
			return true
		}
	}
	return false
}

// argoTargets adds the run of each Argo CD Application source of this repository: its
// directory, with what Argo CD does there (the kustomize overrides, the files of a directory
// source, the destination namespace). A source whose build Argo CD would refuse gets a
// problem naming the Application instead of a run; one that applies the encrypted Secret
// where nothing decrypts it, another.
func (m *merger) argoTargets(repo *argocd.Repo, opts Options, cache *tree.Cache) error {
	for _, t := range repo.Targets {
		o := opts
		o.Dir, o.Overlay = t.Dir, t.Overlay
		label := fmt.Sprintf("%s (%s)", finding.Quote(t.App.String()), opts.Display(t.App.File))
		patches := fmt.Sprintf("%s.kustomize.patches of %s", t.Label, finding.Quote(t.App.String()))
		r, err := plan(o, part{ofMany: true, cache: cache, argo: &t, deployerPatches: patches})
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
		if fs := t.FailureFindings(); len(fs) > 0 {
			for _, f := range fs {
				m.add(f) // Argo CD builds nothing of it: no change is made for it
			}
			continue
		}
		if err := m.mergeRun(t.Dir, label, label, r); err != nil {
			return err
		}
		for _, f := range r.ksopsDecryption() {
			m.add(f)
		}
	}
	return nil
}

// deployers names the deployers whose changes acrgen followed, for messages.
func deployers(flux, argo bool) string {
	switch {
	case flux && argo:
		return "Flux's and Argo CD's"
	case argo:
		return "Argo CD's"
	}
	return "Flux's"
}
