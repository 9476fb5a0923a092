package engine

import (
	"slices"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// TestHelmPullSecretPatchesWithKustomize applies the post-renderer patches with kustomize's own
// build, as helm-controller does, to every built-in pod-template kind: the secret is added
// when imagePullSecrets is missing, kept once when it is already listed, added next to other
// secrets, and objects of other kinds are left alone.
func TestHelmPullSecretPatchesWithKustomize(t *testing.T) {
	pod := func(secrets string) string {
		return "containers: [{name: c, image: r.azurecr.io/x}]" + secrets
	}
	objs := map[string]string{
		"Deployment":            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: none}\nspec:\n  template:\n    spec: {" + pod("") + "}\n",
		"StatefulSet":           "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: listed}\nspec:\n  template:\n    spec: {" + pod(", imagePullSecrets: [{name: s}]") + "}\n",
		"DaemonSet":             "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: other}\nspec:\n  template:\n    spec: {" + pod(", imagePullSecrets: [{name: o}]") + "}\n",
		"ReplicaSet":            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: none}\nspec:\n  template:\n    spec: {" + pod("") + "}\n",
		"Job":                   "apiVersion: batch/v1\nkind: Job\nmetadata: {name: none}\nspec:\n  template:\n    spec: {" + pod("") + "}\n",
		"ReplicationController": "apiVersion: v1\nkind: ReplicationController\nmetadata: {name: none}\nspec:\n  template:\n    spec: {" + pod("") + "}\n",
		"CronJob":               "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: other}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec: {" + pod(", imagePullSecrets: [{name: o}]") + "}\n",
		"Pod":                   "apiVersion: v1\nkind: Pod\nmetadata: {name: listed}\nspec: {" + pod(", imagePullSecrets: [{name: s}]") + "}\n",
		"Service":               "apiVersion: v1\nkind: Service\nmetadata: {name: svc}\nspec: {ports: [{port: 80}]}\n",
	}
	var all []string
	for _, o := range objs {
		all = append(all, o)
	}
	k := "resources: [all.yaml]\npatches:\n"
	for _, p := range manifest.HelmPullSecretPatches("s") {
		k += "- target: {kind: \"" + p.Kind + "\"}\n  patch: |\n"
		for _, l := range strings.Split(strings.TrimSuffix(p.Patch, "\n"), "\n") {
			k += "    " + l + "\n"
		}
	}
	fs := filesys.MakeFsInMemory()
	if err := fs.WriteFile("/k/all.yaml", []byte(strings.Join(all, "---\n"))); err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteFile("/k/kustomization.yaml", []byte(k)); err != nil {
		t.Fatal(err)
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/k")
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	seen := 0
	for _, res := range m.Resources() {
		kind := res.GetKind()
		path := []string{"spec", "template", "spec", "imagePullSecrets"}
		switch kind {
		case "Pod":
			path = []string{"spec", "imagePullSecrets"}
		case "CronJob":
			path = []string{"spec", "jobTemplate", "spec", "template", "spec", "imagePullSecrets"}
		case "Service":
			if s, _ := res.AsYAML(); strings.Contains(string(s), "imagePullSecrets") {
				t.Errorf("the Service was patched:\n%s", s)
			}
			continue
		}
		seen++
		n, err := res.Pipe(yaml.Lookup(path...))
		if err != nil || n == nil {
			t.Errorf("%s: no imagePullSecrets after the post-renderer (%v)", kind, err)
			continue
		}
		var names []string
		for _, e := range n.YNode().Content {
			names = append(names, manifest.MapValue(e, "name").Value)
		}
		count := strings.Count(","+strings.Join(names, ",")+",", ",s,")
		if count != 1 {
			t.Errorf("%s: imagePullSecrets %v: want s exactly once", kind, names)
		}
		if res.GetName() == "other" && !slices.Contains(names, "o") {
			t.Errorf("%s: the existing secret o was dropped: %v", kind, names)
		}
	}
	if seen != 8 {
		t.Errorf("want the 8 pod-template kinds in the output, got %d", seen)
	}
}
