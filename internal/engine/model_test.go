package engine_test

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/testing/podanswer"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/testing/yamlproof"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// The differential test: acrgen's own model of kustomize (internal/tree) must give, for every
// workload, the kind, name, namespace, images and imagePullSecrets that kustomize's own build
// gives; and after a render, every workload that pulls from the registry must reference a
// Secret that the build puts in its namespace.

// modelSeeds is how many generated trees plain `go test` checks.
var modelSeeds = flag.Uint64("model-seeds", 200, "how many generated trees TestModelAgainstKustomizeGenerated checks")

func TestModelAgainstKustomizeGenerated(t *testing.T) {
	recipient := ageRecipient(t)
	quietStderr(t)
	var built atomic.Uint64
	proven0 := provenChanges.Load()
	// The seeds run on every core.
	t.Run("seeds", func(t *testing.T) {
		for seed := uint64(1); seed <= *modelSeeds; seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				if checkSeed(t, seed, recipient) {
					built.Add(1)
				}
			})
		}
	})
	// The generator must make trees kustomize builds; a test that skips them all checks nothing.
	if n := built.Load(); n < *modelSeeds*3/4 {
		t.Errorf("kustomize built only %d of %d generated trees: fix the generator", n, *modelSeeds)
	}
	// The trees exercise the fast path of verifyChanges, so checkProven checked something.
	if n := provenChanges.Load() - proven0; n == 0 {
		t.Error("no change of any generated tree was proven without a parse")
	} else {
		t.Logf("%d changed files proven without a parse, each checked", n)
	}
}

// provenChanges counts the changes checkProven checked.
var provenChanges atomic.Uint64

// checkProven checks the claim behind every change that verifyChanges trusts without parsing
// its new bytes: the new file parses as the old one plus added entries and items, and each is
// acrgen's own (the Secret in an imagePullSecrets list; in a kustomization, its resources or
// patches entry).
func checkProven(res *engine.Result) string {
	for _, c := range res.Changes {
		if !engine.Proven(c) {
			continue
		}
		provenChanges.Add(1)
		adds, err := yamlproof.Additions(c.Old, c.New)
		if err == nil && len(adds) == 0 {
			err = errors.New("it adds nothing")
		}
		for _, a := range adds {
			if err != nil {
				break
			}
			want := "- name: " + secretName + "\n"
			switch {
			case isKustomization(c.Path) && (a.Key == "resources" || a.Key == "patches" || a.Key == "" && a.Parent.Kind == yaml.SequenceNode):
				continue
			case a.Key == "imagePullSecrets":
			case a.Key == "" && a.Parent.Kind == yaml.SequenceNode:
				want = "name: " + secretName + "\n"
			default:
				err = fmt.Errorf("it adds %q at line %d", a.Key, a.Parent.Line)
				continue
			}
			if got, merr := yaml.Marshal(a.Value); merr != nil || string(got) != want {
				err = fmt.Errorf("it adds %q, not the Secret, at line %d", got, a.Parent.Line)
			}
		}
		if err != nil {
			return fmt.Sprintf("%s was trusted without a parse, but %v", c.Path, err)
		}
	}
	return ""
}

// isKustomization reports whether path names a kustomization file.
func isKustomization(path string) bool {
	switch filepath.Base(path) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}

// quietStderr drops what kustomize prints to os.Stderr (deprecation notices for
// patchesJson6902 and patchesStrategicMerge) for the rest of the test.
func quietStderr(t testing.TB) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = null
	t.Cleanup(func() { os.Stderr = saved; null.Close() })
}

// FuzzModel runs the differential test on more generated trees:
// go test ./internal/engine -run '^$' -fuzz FuzzModel -fuzztime 10m
func FuzzModel(f *testing.F) {
	f.Add(uint64(0))
	recipient := ageRecipient(f)
	quietStderr(f)
	f.Fuzz(func(t *testing.T, seed uint64) { checkSeed(t, seed, recipient) })
}

// TestModelAgainstKustomizeRepoTrees runs the differential test on the kustomize trees of
// the repository (examples/ and testdata directories).
func TestModelAgainstKustomizeRepoTrees(t *testing.T) {
	repo := testtool.RepoRoot(t)
	recipient := ageRecipient(t)
	var roots []string
	err := filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "bin" || strings.HasPrefix(d.Name(), ".")) && p != repo {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "kustomization.yaml" {
			if r, _ := filepath.Rel(repo, p); strings.HasPrefix(r, "examples/") || strings.Contains(r, "testdata/") {
				roots = append(roots, filepath.Dir(r))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(roots) < 4 {
		t.Fatalf("found only %d kustomize trees in the repository: %v", len(roots), roots)
	}
	for _, r := range roots {
		t.Run(r, func(t *testing.T) {
			// Copy the top directory, so relative references out of the tree still resolve.
			top := strings.SplitN(r, string(filepath.Separator), 2)[0]
			if strings.Contains(r, "testdata") {
				top = r[:strings.Index(r, "testdata")+len("testdata")]
			}
			dir := t.TempDir()
			testtool.CopyTree(t, filepath.Join(repo, top), filepath.Join(dir, top))
			// The Flux example is a repository of its own: its spec.path are relative to it,
			// and engine.Plan follows them from a directory that holds Flux Kustomizations.
			if err := os.Mkdir(filepath.Join(dir, "examples", "flux", ".git"), 0o755); err != nil && top == "examples" {
				t.Fatal(err)
			}
			root := filepath.Join(dir, r)
			tr, err := tree.Load(root, tree.Options{Kinds: manifest.NewKinds()})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Warnings) > 0 {
				// What acrgen cannot see into (exec functions here) it must say, and no more
				// can be compared.
				t.Logf("acrgen warns, not compared: %v", tr.Warnings)
				return
			}
			if len(tr.KSOPS) > 0 {
				// kustomize builds it only with KSOPS and the key: internal/testing/argoproof
				// (TestRenderedExamples) builds it so, with Argo CD's own code.
				t.Logf("a KSOPS generator: compared by internal/testing/argoproof")
				return
			}
			if fail := compare(root); fail != "" {
				t.Fatal(fail)
			}
			if fail := renderAndVerify(root, recipient); fail != "" {
				t.Fatal(fail)
			}
		})
	}
}

func ageRecipient(t testing.TB) string {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id.Recipient().String()
}

// checkSeed runs the differential test on the tree of one seed, and reports whether kustomize
// could build it. A failure prints the tree, minimized.
func checkSeed(t *testing.T, seed uint64, recipient string) bool {
	t.Helper()
	g := generate(seed)
	if g.unmodelled != "" {
		root, err := g.write(t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := tree.Load(root, tree.Options{Kinds: manifest.NewKinds()})
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, g.describe(nil))
		}
		if !containsText(messages(tr.Warnings), g.unmodelled) {
			t.Errorf("seed %d: no warning about %q; warnings: %q\n%s", seed, g.unmodelled, messages(tr.Warnings), g.describe(nil))
		}
		return true
	}
	run := func(off parts) (built bool, fail string) {
		root, err := g.write(t.TempDir(), off)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := build(root); err != nil {
			return false, ""
		}
		if fail := compare(root); fail != "" {
			return true, fail
		}
		return true, renderAndVerify(root, recipient)
	}
	built, fail := run(nil)
	if fail == "" {
		return built
	}
	// Minimize: switch parts off one at a time while the tree still fails.
	off := parts{}
	for _, id := range g.ids() {
		off[id] = true
		if b, f := run(off); b && f != "" {
			fail = f
			continue
		}
		delete(off, id)
	}
	t.Errorf("seed %d: acrgen disagrees with kustomize:\n%s\nminimized tree:\n%s", seed, fail, g.describe(off))
	return built
}

// messages are the messages of findings.
func messages(fs []finding.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Message()
	}
	return out
}

func containsText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// build runs kustomize's own build in-process.
func build(root string) (resmap.ResMap, error) {
	return krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), root)
}

// compare returns how acrgen's per-workload answers differ from kustomize's, or "".
func compare(root string) string {
	kinds := manifest.NewKinds()
	tr, err := tree.Load(root, tree.Options{Kinds: kinds})
	if err != nil {
		return "acrgen: " + err.Error()
	}
	got := podanswer.Model(tr)
	m, err := build(root)
	if err != nil {
		return "kustomize: " + err.Error()
	}
	var built []manifest.Resource
	for _, r := range m.Resources() {
		if res, ok := manifest.ResourceOf(r.RNode.YNode()); ok {
			built = append(built, res)
		}
	}
	want, err := podanswer.Built(kinds, built)
	if err != nil {
		return "reading kustomize's output: " + err.Error()
	}
	if d := cmp.Diff(want, got); d != "" {
		return "per-workload answers (-kustomize +acrgen):\n" + d
	}
	return ""
}

// renderAndVerify renders the tree, builds it, and returns what is wrong with the build:
// a workload pulling from the registry without the secret, or without the Secret in its
// namespace.
func renderAndVerify(root, recipient string) string {
	kinds := manifest.NewKinds()
	res, err := engine.Plan(engine.Options{Dir: root, Mode: engine.Render, Registries: []string{registry}, SecretName: secretName, Kinds: kinds,
		Credential: &secret.Credential{Username: "00000000-0000-0000-0000-000000000000", Password: []byte("fake-for-tests")},
		Recipients: secret.Recipients{Age: []string{recipient}}, Encrypter: encrypt.SOPS{}})
	if err != nil {
		var ie *tree.InputError
		if errors.As(err, &ie) && strings.Contains(err.Error(), "holds a variable that nothing acrgen reads substitutes") {
			// Refused with exit 2, which is right only when a workload of the build pulls
			// from the registry in a namespace that is still a variable.
			if pullsInVariableNamespace(root) {
				return ""
			}
			return "render refused over a namespace variable, but no workload of the build pulls from the registry in one: " + err.Error()
		}
		return "render: " + err.Error()
	}
	for _, f := range res.Findings {
		switch {
		case f.Severity != finding.Problem:
		case f.Code == finding.SecretNamespaceFixed || f.Code == finding.PullSecretOverridden:
			return "" // a documented limit, refused with exit 2: not silent
		default:
			return "render: " + f.Message()
		}
	}
	if fail := checkProven(res); fail != "" {
		return fail
	}
	if err := writeResult(root, res); err != nil {
		return "writing: " + err.Error()
	}
	m, err := build(root)
	if err != nil {
		return "kustomize after render: " + err.Error()
	}
	// kustomize renames the Secret with namePrefix/nameSuffix and rewrites the references to
	// it, so the Secret is found by acrgen's annotation, not by name.
	// The Secret must hold an entry for each host form the pod's images use (the kubelet keys
	// credentials by host and port): its annotation records them.
	secrets := map[string][]string{}
	for _, r := range m.Resources() {
		if r.GetKind() == "Secret" && strings.Contains(r.GetAnnotations()[secret.AnnotationRegistry], registry) {
			secrets[r.GetNamespace()+"/"+r.GetName()] = strings.Split(r.GetAnnotations()[secret.AnnotationRegistry], ",")
		}
	}
	match := manifest.NewMatcher([]string{registry})
	var problems []string
	for _, r := range m.Resources() {
		rs, ok := manifest.ResourceOf(r.RNode.YNode())
		if !ok {
			continue
		}
		specs, err := kinds.PodSpecs(rs)
		if err != nil {
			return err.Error()
		}
		for _, ps := range specs {
			var forms []string
			for _, im := range ps.Images {
				if _, ok := match.Match(im.Value); ok {
					forms = append(forms, manifest.HostForm(im.Value))
				}
			}
			if len(forms) == 0 {
				continue
			}
			var hosts []string
			found := false
			for _, s := range ps.SecretNames() {
				hs, ok := secrets[rs.Namespace+"/"+s]
				found, hosts = found || ok, append(hosts, hs...)
			}
			switch {
			case !found:
				problems = append(problems, fmt.Sprintf("%s %s/%s pulls from %s but none of its imagePullSecrets %v is acrgen's Secret in namespace %q", rs.Kind, rs.Namespace, rs.Name, registry, ps.SecretNames(), rs.Namespace))
			case slices.ContainsFunc(forms, func(f string) bool { return !slices.Contains(hosts, f) }):
				problems = append(problems, fmt.Sprintf("%s %s/%s pulls with host forms %v, but its Secret in namespace %q holds entries for %v", rs.Kind, rs.Namespace, rs.Name, forms, rs.Namespace, hosts))
			}
		}
	}
	if len(problems) > 0 {
		return "after render:\n" + strings.Join(problems, "\n") + "\nfindings: " + strings.Join(messages(res.Findings), "; ")
	}
	return ""
}

// pullsInVariableNamespace reports whether kustomize's build of root holds a pod spec that
// pulls from the registry in a namespace written as a ${VAR}.
func pullsInVariableNamespace(root string) bool {
	m, err := build(root)
	if err != nil {
		return false
	}
	kinds := manifest.NewKinds()
	match := manifest.NewMatcher([]string{registry})
	for _, r := range m.Resources() {
		rs, ok := manifest.ResourceOf(r.RNode.YNode())
		if !ok || !strings.Contains(rs.Namespace, "${") {
			continue
		}
		specs, _ := kinds.PodSpecs(rs)
		for _, ps := range specs {
			for _, im := range ps.Images {
				if _, ok := match.Match(im.Value); ok {
					return true
				}
			}
		}
	}
	return false
}

// TestGeneratorIsDeterministic guards the promise that a seed names one tree.
func TestGeneratorIsDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		a, b := generate(seed).describe(nil), generate(seed).describe(nil)
		if a != b {
			t.Fatalf("seed %d gives two trees", seed)
		}
	}
}

// TestModelRegressions are minimized trees on which acrgen and kustomize disagreed.
func TestModelRegressions(t *testing.T) {
	recipient := ageRecipient(t)
	quietStderr(t)
	pod := func(name, image string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\nspec:\n  containers:\n  - name: c0\n    image: " + image + "\n"
	}
	for name, files := range map[string]map[string]string{
		// patchesJson6902 runs after patchesStrategicMerge, not before.
		"json6902 after strategic merge": {
			"root/kustomization.yaml": "resources:\n- pod.yaml\npatchesStrategicMerge:\n- smp.yaml\npatchesJson6902:\n- path: ops.yaml\n  target: {version: v1, kind: Pod, name: web}\n",
			"root/pod.yaml":           pod("web", "nginx"),
			"root/smp.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: c0\n    image: myregistry.azurecr.io/api\n",
			"root/ops.yaml":           "- op: replace\n  path: /spec/containers/0/image\n  value: nginx:2\n",
		},
		// A strategic-merge patch matches the namespace and name a resource had between a
		// kustomization's namespace and prefix steps.
		"patch between namespace and prefix": {
			"root/kustomization.yaml": "resources:\n- ../base\npatches:\n- path: smp.yaml\n",
			"base/kustomization.yaml": "namespace: team\nnamePrefix: p-\nresources:\n- pod.yaml\n",
			"base/pod.yaml":           pod("web", "nginx"),
			"root/smp.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: team\nspec:\n  containers:\n  - name: c0\n    image: myregistry.azurecr.io/api\n",
		},
		// A target selector's name is the original or the current one, not one in between.
		"selector names": {
			"root/kustomization.yaml":           "resources:\n- mid\n",
			"root/mid/kustomization.yaml":       "namePrefix: p-\nresources:\n- inner\npatches:\n- target: {kind: Pod, name: web-t}\n  patch: |-\n    - op: add\n      path: /spec/imagePullSecrets\n      value: [{name: other}]\n",
			"root/mid/inner/kustomization.yaml": "nameSuffix: -t\nresources:\n- pod.yaml\n",
			"root/mid/inner/pod.yaml":           pod("web", "myregistry.azurecr.io/api"),
		},
		// A component nested in a component runs before the component that lists it, and
		// both before the kustomization's own patches (issue 18).
		"nested component before the patches": {
			"root/kustomization.yaml":       "resources:\n- pod.yaml\ncomponents:\n- outer\npatches:\n- target: {kind: Pod}\n  patch: |-\n    - op: add\n      path: /spec/volumes/-\n      value: {name: b, emptyDir: {}}\n",
			"root/pod.yaml":                 pod("web", "web:1"),
			"root/outer/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents:\n- ../inner\nimages:\n- name: myregistry.azurecr.io/web\n  newTag: v2\n",
			"root/inner/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: web\n  newName: myregistry.azurecr.io/web\npatches:\n- target: {kind: Pod}\n  patch: |-\n    - op: add\n      path: /spec/volumes\n      value: [{name: a, emptyDir: {}}]\n",
		},
		// A patch that replaces imagePullSecrets would drop an edit of the file.
		"replaced pull secrets": {
			"root/kustomization.yaml":     "resources:\n- sub\n",
			"root/sub/kustomization.yaml": "resources:\n- pod.yaml\npatches:\n- target: {kind: Pod}\n  patch: |-\n    - op: add\n      path: /spec/imagePullSecrets\n      value: [{name: other}]\n",
			"root/sub/pod.yaml":           pod("web", "myregistry.azurecr.io/api"),
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			testtool.WriteTree(t, dir, files)
			root := filepath.Join(dir, "root")
			if fail := compare(root); fail != "" {
				t.Fatal(fail)
			}
			if fail := renderAndVerify(root, recipient); fail != "" {
				t.Fatal(fail)
			}
		})
	}
}
