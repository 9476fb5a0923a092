package tree

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	k8syaml "sigs.k8s.io/yaml"
)

// record makes TestModelGolden write the golden answers from a real kustomize build instead of
// comparing with them: make tree-goldens.
var record = flag.Bool("record", false, "record testdata/model/*/want.yaml from kustomize build ($KUSTOMIZE, else bin/kustomize)")

// modelCases is where the model's cases live: each <case>/root is the tree acrgen loads (other
// directories of the case are bases outside the root), and <case>/want.yaml is what kustomize
// build of root makes of its workloads.
const modelCases = "testdata/model"

// workload is what the golden records of one workload in the build: its effective kind,
// namespace and name, and for each pod spec the images and pull secrets.
type workload struct {
	Kind      string    `json:"kind"`
	Namespace string    `json:"namespace,omitempty"`
	Name      string    `json:"name"`
	PodSpecs  []podSpec `json:"podSpecs"`
}

type podSpec struct {
	Images      []string `json:"images"`
	PullSecrets []string `json:"pullSecrets,omitempty"`
}

const goldenHeader = "# Recorded from kustomize build by make tree-goldens; do not edit.\n"

func modelCaseNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(modelCases)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	if len(names) < 12 {
		t.Fatalf("only %d model cases under %s", len(names), modelCases)
	}
	return names
}

// Every case has a golden answer, so a case added without recording one fails.
func TestModelCasesHaveGoldens(t *testing.T) {
	for _, name := range modelCaseNames(t) {
		if _, err := os.Stat(filepath.Join(modelCases, name, "root")); err != nil {
			t.Errorf("%s: no root directory: %v", name, err)
		}
		if _, err := os.Stat(filepath.Join(modelCases, name, "want.yaml")); err != nil {
			t.Errorf("%s: no golden answer (run make tree-goldens): %v", name, err)
		}
	}
}

// The model computes what kustomize build computes for every workload of each case: effective
// kind, namespace, name, images and pull secrets. The answers were recorded from kustomize
// build; this test runs no external tool.
func TestModelGolden(t *testing.T) {
	for _, name := range modelCaseNames(t) {
		t.Run(name, func(t *testing.T) {
			root := filepath.Join(modelCases, name, "root")
			golden := filepath.Join(modelCases, name, "want.yaml")
			if *record {
				built, err := kustomizeWorkloads(root)
				if err != nil {
					t.Fatal(err)
				}
				b, err := k8syaml.Marshal(built)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, append([]byte(goldenHeader), b...), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := readGolden(golden)
			if err != nil {
				t.Fatalf("%v (run make tree-goldens)", err)
			}
			got, err := modelWorkloads(root, Options{Kinds: manifest.NewKinds()})
			if err != nil {
				t.Fatal(err)
			}
			if d := diffWorkloads(got, want); d != "" {
				t.Errorf("the model and kustomize build disagree:\n%s", d)
			}
		})
	}
}

func readGolden(path string) ([]workload, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []workload
	if err := k8syaml.UnmarshalStrict(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return out, nil
}

// modelWorkloads is what Load makes of the workloads under root, sorted.
func modelWorkloads(root string, opts Options) ([]workload, error) {
	tr, err := Load(root, opts)
	if err != nil {
		return nil, err
	}
	var out []workload
	for _, inst := range tr.Instances {
		if len(inst.PodSpecs) == 0 {
			continue
		}
		w := workload{Kind: inst.Resource.Kind, Namespace: inst.Namespace, Name: inst.Name}
		for _, ps := range inst.PodSpecs {
			w.PodSpecs = append(w.PodSpecs, podSpec{Images: ps.Images, PullSecrets: ps.Secrets})
		}
		out = append(out, w)
	}
	sortWorkloads(out)
	return out, nil
}

// kustomizeWorkloads runs kustomize build on root and reads the workloads of its output with
// the same pod spec finder as the model. A root without a kustomization is a plain directory:
// it is built as a kustomization listing every manifest under it.
func kustomizeWorkloads(root string) ([]workload, error) {
	bin := os.Getenv("KUSTOMIZE")
	if bin == "" {
		bin = "../../bin/kustomize"
	}
	dir := root
	if FindKustomization(root) == "" {
		tmp, err := plainAsKustomization(root)
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "build", dir)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %v\n%s", root, err, stderr.Bytes())
	}
	m, err := manifest.Parse(b)
	if err != nil {
		return nil, err
	}
	kinds := manifest.NewKinds()
	var out []workload
	for _, r := range m.Resources() {
		specs, err := kinds.PodSpecs(r)
		if err != nil {
			return nil, err
		}
		if len(specs) == 0 {
			continue
		}
		w := workload{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name}
		for _, ps := range specs {
			s := podSpec{PullSecrets: ps.SecretNames()}
			for _, im := range ps.Images {
				s.Images = append(s.Images, im.Value)
			}
			w.PodSpecs = append(w.PodSpecs, s)
		}
		out = append(out, w)
	}
	sortWorkloads(out)
	return out, nil
}

// plainAsKustomization copies a plain directory of manifests into a temporary directory with
// a kustomization listing them (hidden directories left out), for kustomize to build.
func plainAsKustomization(root string) (string, error) {
	tmp, err := os.MkdirTemp("", "acrgen-plain-")
	if err != nil {
		return "", err
	}
	k := "resources:\n"
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		k += "- " + rel + "\n"
		return os.WriteFile(dst, b, 0o644)
	})
	if err == nil {
		err = os.WriteFile(filepath.Join(tmp, "kustomization.yaml"), []byte(k), 0o644)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

func sortWorkloads(ws []workload) {
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}

// diffWorkloads lists the workloads that differ between got (the model) and want (the
// golden), or "".
func diffWorkloads(got, want []workload) string {
	key := func(w workload) string { return w.Kind + " " + w.Namespace + "/" + w.Name }
	show := func(w workload) string { b, _ := k8syaml.Marshal(w.PodSpecs); return strings.TrimSpace(string(b)) }
	index := func(ws []workload) map[string]workload {
		m := map[string]workload{}
		for _, w := range ws {
			m[key(w)] = w
		}
		return m
	}
	g, w := index(got), index(want)
	var out []string
	for k, gw := range g {
		ww, ok := w[k]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s: in the model, not in the build", k))
		case show(gw) != show(ww):
			out = append(out, fmt.Sprintf("%s:\n  model:\n%s\n  build:\n%s", k, indent(show(gw)), indent(show(ww))))
		}
	}
	for k := range w {
		if _, ok := g[k]; !ok {
			out = append(out, fmt.Sprintf("%s: in the build, not in the model", k))
		}
	}
	if len(got) != len(g) || len(want) != len(w) {
		out = append(out, fmt.Sprintf("the model has %d workloads (%d distinct), the build %d (%d distinct)", len(got), len(g), len(want), len(w)))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }
