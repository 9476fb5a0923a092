package tree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
)

// A kustomization's namespace: that holds a variable is loaded (kustomize builds it, Flux
// substitutes it in the output): where the overlay substitutes it, the instances, the root's
// namespace and the generated Secrets have the namespace Flux applies; where nothing does,
// the field is warned about once, and the instances say where their namespace comes from.
func TestKustomizationNamespaceVariable(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"kustomization.yaml": "namespace: ${CLUSTER}\nresources:\n- pod.yaml\n- sa.yaml\nsecretGenerator:\n- name: gen\n  literals: [a=b]\n",
		"pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: mine\nspec:\n  containers:\n  - name: c\n    image: myregistry.azurecr.io/a\n",
		"sa.yaml":            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		overlay *Overlay
		want    string
		warned  bool
	}{
		{"nothing substitutes it", nil, "${CLUSTER}", true},
		{"an overlay substitutes it", &Overlay{SubstituteNamespace: func(ns string) string { return strings.ReplaceAll(ns, "${CLUSTER}", "prod") }}, "prod", false},
		{"an overlay leaves it", &Overlay{SubstituteNamespace: func(ns string) string { return ns }}, "${CLUSTER}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := Load(dir, Options{Kinds: manifest.NewKinds(), Overlay: tc.overlay, Display: func(p string) string { return filepath.Base(p) }})
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Instances) != 2 {
				t.Fatalf("want the Pod and the ServiceAccount, got %d instances", len(tr.Instances))
			}
			for _, inst := range tr.Instances {
				if inst.Namespace != tc.want || inst.NamespaceFile != filepath.Join(dir, "kustomization.yaml") || inst.NamespaceLine != 1 {
					t.Errorf("%s: namespace %q from %s:%d, want %q from kustomization.yaml:1", inst.Resource.Name, inst.Namespace, inst.NamespaceFile, inst.NamespaceLine, tc.want)
				}
			}
			if tr.RootNamespace != tc.want || len(tr.Generated) != 1 || tr.Generated[0].Namespace != tc.want {
				t.Errorf("root namespace %q, generated %+v: want %q", tr.RootNamespace, tr.Generated, tc.want)
			}
			warned := 0
			for _, w := range tr.Warnings {
				if filepath.Base(w.File) == "kustomization.yaml" && w.Line == 1 && strings.HasPrefix(w.Message(), `namespace: "${CLUSTER}" holds a variable that nothing acrgen reads substitutes (CLUSTER;`) {
					warned++
				}
			}
			if warned != map[bool]int{true: 1}[tc.warned] {
				t.Errorf("%d warnings about the field, want it warned about %v: %+v", warned, tc.warned, tr.Warnings)
			}
		})
	}
	// A namespace that is no namespace name without a variable is refused, as before.
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n- pod.yaml\nnamespace: Team_A\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, Options{Kinds: manifest.NewKinds()}); err == nil || !strings.Contains(err.Error(), `kustomization.yaml:3: namespace: "Team_A" is not a valid namespace`) {
		t.Fatalf("got %v, want kustomization.yaml:3 refused", err)
	}
}
