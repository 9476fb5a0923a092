package tree

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
)

const (
	ksopsGen  = "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: secrets\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ksops\n"
	podYAML   = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    image: myregistry.azurecr.io/app\n"
	secretEnc = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  version: 3.13.3\n"
)

// TestKSOPSGenerators: the files a KSOPS generator lists join the build, through the layers of
// the kustomization that lists the generator (its namespace here); its secretFrom, and
// generators of other plugins, are named in warnings.
func TestKSOPSGenerators(t *testing.T) {
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"kustomization.yaml": "namespace: shop\nresources:\n- pod.yaml\ngenerators:\n- secret-generator.yaml\n",
		"pod.yaml":           podYAML,
		"secret-generator.yaml": ksopsGen + "files:\n- ./acr-secret.enc.yaml\n" +
			"secretFrom:\n- metadata: {name: more}\n  files: [more.enc.txt]\n",
		"acr-secret.enc.yaml": secretEnc,
	})
	tr, err := Load(dir, Options{Kinds: manifest.NewKinds()})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.KSOPS) != 1 || !tr.KSOPS[0].Root || !tr.KSOPS[0].InRoot || !tr.KSOPS[0].Lists(filepath.Join(tr.Root, "acr-secret.enc.yaml")) {
		t.Fatalf("want the root's generator, listing acr-secret.enc.yaml; got %+v", tr.KSOPS)
	}
	i := slices.IndexFunc(tr.Instances, func(inst Instance) bool { return inst.Resource.Kind == "Secret" })
	if i < 0 || tr.Instances[i].Namespace != "shop" {
		t.Fatalf("want the generated Secret in namespace shop, got %+v", tr.Instances)
	}
	if len(tr.Warnings) != 1 || tr.Warnings[0].Code != finding.KSOPSUnmodelled || tr.Warnings[0].Field != "secretFrom" {
		t.Errorf("want one warning about secretFrom, got %v", tr.Warnings)
	}

	// Another plugin's generator beside it is not run: a warning on the generators: line.
	testtool.WriteTree(t, dir, map[string]string{
		"kustomization.yaml": "resources:\n- pod.yaml\ngenerators:\n- secret-generator.yaml\n- other.yaml\n",
		"other.yaml":         "apiVersion: example.com/v1\nkind: Maker\nmetadata:\n  name: m\n",
	})
	tr, err = Load(dir, Options{Kinds: manifest.NewKinds()})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(tr.Warnings, func(f finding.Finding) bool {
		return f.Code == finding.Unmodelled && f.Field == "generators" && f.Line == 3
	}) || len(tr.KSOPS) != 1 {
		t.Errorf("want the other generator named at kustomization.yaml:3 and the KSOPS one read; got %v, %d", tr.Warnings, len(tr.KSOPS))
	}
}

// TestKSOPSGeneratorRefusals: a generator file that lists a missing file, one that leaves the
// root through a symlink, or that lists nothing, is bad input naming the generator.
func TestKSOPSGeneratorRefusals(t *testing.T) {
	for name, c := range map[string]struct {
		files map[string]string
		want  []string
	}{
		"missing":   {map[string]string{"secret-generator.yaml": ksopsGen + "files:\n- gone.enc.yaml\n"}, []string{"secret-generator.yaml:9: ", "gone.enc.yaml does not exist"}},
		"no files":  {map[string]string{"secret-generator.yaml": ksopsGen}, []string{"secret-generator.yaml: ", "has neither files: nor secretFrom"}},
		"bad files": {map[string]string{"secret-generator.yaml": ksopsGen + "files: {a: b}\n"}, []string{"secret-generator.yaml:9: files: is not a list of file names"}},
		"absolute":  {map[string]string{"secret-generator.yaml": ksopsGen + "files:\n- /etc/passwd\n"}, []string{"secret-generator.yaml:9: ", "is not a path in the repository"}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"kustomization.yaml": "resources:\n- pod.yaml\ngenerators:\n- secret-generator.yaml\n", "pod.yaml": podYAML}
			for p, s := range c.files {
				files[p] = s
			}
			testtool.WriteTree(t, dir, files)
			_, err := Load(dir, Options{Kinds: manifest.NewKinds()})
			for _, w := range c.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Fatalf("want an error containing %q, got %v", w, err)
				}
			}
		})
	}
	// A symlink out of the root is refused, as for every file acrgen reads in the root.
	dir, outside := t.TempDir(), t.TempDir()
	testtool.WriteTree(t, outside, map[string]string{"secret.enc.yaml": secretEnc})
	testtool.WriteTree(t, dir, map[string]string{"kustomization.yaml": "generators:\n- g.yaml\n", "g.yaml": ksopsGen + "files:\n- link.enc.yaml\n"})
	if err := os.Symlink(filepath.Join(outside, "secret.enc.yaml"), filepath.Join(dir, "link.enc.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(dir, Options{Kinds: manifest.NewKinds()}); err == nil || !strings.Contains(err.Error(), "symlink leaves the directory") {
		t.Fatalf("want the symlink refused, got %v", err)
	}
}

// TestDeployerPatchLost: a patch that a deployer appends to the root's (an Overlay's Adjust)
// runs after acrgen's patch of the root; one that replaces imagePullSecrets drops what acrgen
// adds, and the model says it is the deployer's, not a patchesJson6902 of the file.
func TestDeployerPatchLost(t *testing.T) {
	replace := types.Patch{Patch: "- op: add\n  path: /spec/imagePullSecrets\n  value: [{name: other}]\n", Target: &types.Selector{ResId: resid.ResId{Gvk: resid.Gvk{Kind: "Pod"}, Name: "app"}}}
	for name, c := range map[string]struct {
		kustomization string
		overlay       *Overlay
		lost, by      bool
	}{
		"deployer":         {"resources:\n- pod.yaml\n", &Overlay{Adjust: func(k *types.Kustomization) { k.Patches = append(k.Patches, replace) }}, true, true},
		"json6902 of file": {"resources:\n- pod.yaml\npatchesJson6902:\n- target: {version: v1, kind: Pod, name: app}\n  patch: |-\n    - op: add\n      path: /spec/imagePullSecrets\n      value: [{name: other}]\n", nil, true, false},
		"own patch":        {"resources:\n- pod.yaml\npatches:\n- target: {kind: Pod, name: app}\n  patch: |-\n    - op: add\n      path: /spec/imagePullSecrets\n      value: [{name: other}]\n", nil, false, false},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			testtool.WriteTree(t, dir, map[string]string{"kustomization.yaml": c.kustomization, "pod.yaml": podYAML})
			tr, err := Load(dir, Options{Kinds: manifest.NewKinds(), Overlay: c.overlay})
			if err != nil {
				t.Fatal(err)
			}
			ps := tr.Instances[0].PodSpecs[0]
			if !ps.EditLost || ps.RootPatchLost != c.lost || ps.DeployerPatchLost != c.by {
				t.Errorf("edit lost %v, root patch lost %v (want %v), by the deployer %v (want %v)", ps.EditLost, ps.RootPatchLost, c.lost, ps.DeployerPatchLost, c.by)
			}
		})
	}
}
