package argocd

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/manifest"
)

var update = flag.Bool("update", false, "rewrite testdata/resolve/*/want.txt from what Resolve gives")

// repoURL is the repository the golden cases are a copy of.
const repoURL = "https://github.com/example/gitops.git"

// TestResolveGolden resolves each repository under testdata/resolve and loads every target
// with its overlay, as the engine will: want.txt holds the warnings, then each target with
// every resource of its build (kind, the namespace Argo CD applies it in, name, images).
// Regenerate with go test ./internal/argocd -run TestResolveGolden -update, and review the diff.
func TestResolveGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/resolve/*/repo")
	if err != nil || len(cases) < 6 {
		t.Fatalf("want the golden cases under testdata/resolve, got %v (%v)", cases, err)
	}
	for _, repo := range cases {
		name := filepath.Base(filepath.Dir(repo))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testtool.CopyTree(t, repo, dir)
			got := describe(t, dir)
			want := filepath.Join(filepath.Dir(repo), "want.txt")
			if *update {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			b, err := os.ReadFile(want)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(b), got); d != "" {
				t.Errorf("%s (-want +got):\n%s", want, d)
			}
		})
	}
}

// describe resolves the repository at dir and prints what the golden files hold.
func describe(t *testing.T, dir string) string {
	t.Helper()
	rel := func(p string) string {
		if r, err := filepath.Rel(dir, p); err == nil {
			return filepath.ToSlash(r)
		}
		return p
	}
	repo, err := Resolve([]string{dir}, Options{SourceRoot: dir, RepoURLs: []string{repoURL}, Display: rel})
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	var b strings.Builder
	b.WriteString("warnings:\n")
	for _, f := range repo.Findings {
		loc := rel(f.File)
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", loc, f.Line)
		}
		fmt.Fprintf(&b, "  [%s %s] %s: %s\n", f.Code, f.Name(), loc, f.Message())
	}
	b.WriteString("targets:\n")
	for _, tg := range repo.Targets {
		fmt.Fprintf(&b, "- %s: %s (%s), destination namespace %q\n", tg.App, rel(tg.Dir), tg.Type, tg.Overlay.DefaultNamespace)
		opts := tree.Options{Kinds: manifest.NewKinds(), Overlay: tg.Overlay}
		tr, err := tree.Load(tg.Dir, opts)
		if err != nil {
			fmt.Fprintf(&b, "  load error: %v\n", err)
			continue
		}
		for _, f := range tg.Failures() {
			fmt.Fprintf(&b, "  build fails: %s\n", f)
		}
		for _, inst := range tr.Instances {
			ns := inst.Namespace
			if openapi.IsCertainlyClusterScoped(yaml.TypeMeta{APIVersion: inst.Resource.APIVersion, Kind: inst.Resource.Kind}) {
				ns = "" // Argo CD's controller clears it; acrgen's verdicts do not depend on it
			}
			fmt.Fprintf(&b, "  %s %s/%s", inst.Resource.Kind, ns, inst.Name)
			for _, ps := range inst.PodSpecs {
				fmt.Fprintf(&b, " %v", ps.Images)
			}
			for _, f := range inst.ImageFields {
				fmt.Fprintf(&b, " %s=%s", f.Path, f.Image)
			}
			b.WriteString("\n")
		}
	}
	if len(repo.Plain) > 0 {
		fmt.Fprintf(&b, "plain: %d\n", len(repo.Plain))
	}
	return b.String()
}
