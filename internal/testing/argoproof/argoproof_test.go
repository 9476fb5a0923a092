package argoproof

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/acrgen/acrgen/internal/argocd"
	"github.com/acrgen/acrgen/internal/testing/podanswer"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// The differential test: for every source of this repository that internal/argocd follows,
// its overlay on acrgen's tree model must give, for every workload, the kind, namespace,
// name, images and imagePullSecrets that Argo CD's own repo-server code and the real
// kustomize give; and where Argo CD's build fails, internal/argocd must say that it fails.

func TestMain(m *testing.M) {
	Quiet()
	// argo-cd asks `kustomize version` of the kustomize on PATH to choose how it passes labels
	// (util/kustomize mapToEditAddArgs): the pinned one, as in a repo-server image.
	bin, err := filepath.Abs(filepath.Join("..", "..", "..", "bin"))
	if err != nil {
		panic(err)
	}
	os.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	tools, err := os.MkdirTemp("", "argoproof-ksops-")
	if err != nil {
		panic(err)
	}
	if err := setUpKSOPS(tools); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(tools)
	os.Exit(code)
}

var seeds = flag.Uint64("seeds", 150, "how many generated repositories TestGeneratedApplications checks")

const repoURL = "https://github.com/example/gitops.git"

// TestHandWrittenApplications runs the differential test on the golden repositories of
// internal/argocd (testdata/resolve): kustomize overrides, destination namespaces, app of
// apps, .argocd-source overrides, build failures, ApplicationSets.
func TestHandWrittenApplications(t *testing.T) {
	cases, err := filepath.Glob("../../argocd/testdata/resolve/*/repo")
	if err != nil || len(cases) < 6 {
		t.Fatalf("want the golden repositories of internal/argocd, got %v (%v)", cases, err)
	}
	compared := 0
	for _, c := range cases {
		t.Run(filepath.Base(filepath.Dir(c)), func(t *testing.T) {
			dir := t.TempDir()
			testtool.CopyTree(t, c, dir)
			n, fail := differ(t, dir)
			compared += n
			if fail != "" {
				t.Fatal(fail)
			}
		})
	}
	if compared < 12 {
		t.Errorf("only %d sources compared: the cases no longer exercise the proof", compared)
	}
}

// TestGeneratedApplications runs the differential test on generated repositories (seeds 1
// to -seeds, so each run checks the same ones).
func TestGeneratedApplications(t *testing.T) {
	var built, failed atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for seed := uint64(1); seed <= *seeds; seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				files := generate(seed)
				testtool.WriteTree(t, dir, files)
				n, fail := differ(t, dir)
				if n == 0 && fail == "" {
					failed.Add(1) // both say the build fails
				}
				built.Add(int64(n))
				if fail != "" {
					t.Errorf("seed %d:\n%s\nrepository:\n%s", seed, fail, describe(files))
				}
			})
		}
	})
	// The generator must make repositories Argo CD builds, and some it refuses.
	if b := built.Load(); b < int64(*seeds)*3/4 {
		t.Errorf("Argo CD built only %d of %d generated Applications: fix the generator", b, *seeds)
	}
	if failed.Load() == 0 {
		t.Error("no generated Application makes Argo CD's build fail: the failure side is not checked")
	}
	t.Logf("%d Applications compared, %d refused by both", built.Load(), failed.Load())
}

// differ resolves the repository at dir with internal/argocd and compares every target with
// Argo CD's build of it. It returns how many sources were compared (both built), and what
// differs.
func differ(t *testing.T, dir string) (int, string) {
	t.Helper()
	kustomize := testtool.Path(t, "kustomize")
	repo, err := argocd.Resolve([]string{dir}, argocd.Options{SourceRoot: dir, RepoURLs: []string{repoURL}})
	if err != nil {
		return 0, "acrgen: " + err.Error()
	}
	var fails []string
	compared := 0
	for _, tg := range repo.Targets {
		app, err := argoApplication(tg.App)
		if err != nil {
			return 0, err.Error()
		}
		objs, argoErr := Build(t, app, tg.Source, dir, kustomize, "")
		ours, oursErr := model(tg)
		label := fmt.Sprintf("%s (%s)", tg.App, tg.Type)
		switch {
		case argoErr != nil && oursErr == "":
			fails = append(fails, fmt.Sprintf("%s: Argo CD's build fails, acrgen says nothing: %v", label, argoErr))
		case argoErr == nil && oursErr != "":
			fails = append(fails, fmt.Sprintf("%s: acrgen says the build fails (%s), Argo CD builds it", label, oursErr))
		case argoErr == nil:
			compared++
			if d := cmp.Diff(answers(t, objs), ours); d != "" {
				fails = append(fails, fmt.Sprintf("%s: per-workload answers (-Argo CD +acrgen):\n%s", label, d))
			}
		}
	}
	// An Application whose build acrgen says fails before any target: Argo CD must fail too.
	for _, f := range repo.Findings {
		if f.Code != finding.ArgoBuildFails {
			continue
		}
		for _, a := range repo.Applications {
			if f.Object != a.Object() || f.File != a.File || f.Line != a.Line {
				continue
			}
			app, err := argoApplication(a)
			if err != nil {
				return 0, err.Error()
			}
			if _, err := Build(t, app, 0, dir, kustomize, ""); err == nil && len(app.Spec.GetSources()) > 0 {
				fails = append(fails, fmt.Sprintf("%s: acrgen warns %q, but Argo CD builds it", a, f.Message()))
			}
		}
	}
	return compared, strings.Join(fails, "\n")
}

// argoApplication decodes the Application with argo-cd's own types: from its file, or, for
// one an ApplicationSet generates, from what internal/argocd generated (the expansion is
// acrgen's; the build is Argo CD's).
func argoApplication(a *argocd.Application) (*v1alpha1.Application, error) {
	if a.Set == "" {
		b, err := os.ReadFile(a.File)
		if err != nil {
			return nil, err
		}
		for _, doc := range strings.Split(string(b), "\n---\n") {
			app, err := Decode([]byte(doc))
			if err == nil && app.Kind == "Application" && app.Name == a.Name {
				return app, nil
			}
		}
		return nil, fmt.Errorf("%s: not found in %s by argo-cd's decoder", a, a.File)
	}
	b, err := yaml.Marshal(map[string]any{"apiVersion": argocd.APIVersion, "kind": "Application", "metadata": map[string]string{"name": a.Name, "namespace": a.Namespace}, "spec": a.Spec})
	if err != nil {
		return nil, err
	}
	return Decode(b)
}

// model is acrgen's answer for a target: its per-workload answers, or why the build fails.
func model(tg argocd.Target) ([]string, string) {
	opts := tree.Options{Kinds: manifest.NewKinds(), Overlay: tg.Overlay}
	tr, err := tree.Load(tg.Dir, opts)
	if err != nil {
		return nil, err.Error()
	}
	if f := tg.Failures(); len(f) > 0 {
		return nil, strings.Join(f, "; ")
	}
	return podanswer.Model(tr), ""
}

// answers are the per-workload answers of Argo CD's output.
func answers(t *testing.T, objs []*unstructured.Unstructured) []string {
	t.Helper()
	var res []manifest.Resource
	for _, o := range objs {
		b, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		res = append(res, m.Resources()...)
	}
	out, err := podanswer.Built(manifest.NewKinds(), res)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProofNoticesADifference guards the proof itself: on the first generated repository
// that Argo CD builds with workloads, a namespace or a name that differs from Argo CD's build
// is reported.
func TestProofNoticesADifference(t *testing.T) {
	kustomize := testtool.Path(t, "kustomize")
	for seed := uint64(1); seed <= 50; seed++ {
		dir := t.TempDir()
		testtool.WriteTree(t, dir, generate(seed))
		repo, err := argocd.Resolve([]string{dir}, argocd.Options{SourceRoot: dir, RepoURLs: []string{repoURL}})
		if err != nil || len(repo.Targets) == 0 {
			continue
		}
		tg := repo.Targets[0]
		app, err := argoApplication(tg.App)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := Build(t, app, tg.Source, dir, kustomize, "")
		ours, _ := model(tg)
		if err != nil || len(ours) == 0 {
			continue
		}
		if d := cmp.Diff(answers(t, objs), ours); d != "" {
			t.Fatalf("seed %d differs already:\n%s", seed, d)
		}
		for _, mutate := range []func(o *unstructured.Unstructured){
			func(o *unstructured.Unstructured) { o.SetNamespace(o.GetNamespace() + "-x") },
			func(o *unstructured.Unstructured) { o.SetName("x" + o.GetName()) },
		} {
			cp := make([]*unstructured.Unstructured, len(objs))
			for i, o := range objs {
				cp[i] = o.DeepCopy()
				mutate(cp[i])
			}
			if cmp.Equal(answers(t, cp), ours) {
				t.Errorf("seed %d: a changed build compares equal", seed)
			}
		}
		return
	}
	t.Fatal("no generated repository of seeds 1 to 50 builds with workloads: fix the generator")
}
