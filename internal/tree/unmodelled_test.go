package tree

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// TestUnmodelledFieldsWarn: what acrgen does not run is named in a warning, never passed
// silently, in the root and in a kustomization it includes.
func TestUnmodelledFieldsWarn(t *testing.T) {
	for _, c := range []struct{ name, field, warning string }{
		{"replacements", "replacements:\n- source: {kind: ConfigMap, name: images, fieldPath: data.image}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.template.spec.containers.0.image]\n", "replacements are not run: an image, name, namespace or imagePullSecrets they set is not seen"},
		{"vars", "vars:\n- name: IMG\n  objref: {kind: ConfigMap, name: images, apiVersion: v1}\n  fieldref: {fieldPath: data.image}\n", "vars are not substituted: an image or name that uses $(VAR) is seen as written"},
		{"commonLabels", "commonLabels:\n  team: a\n", "commonLabels also rewrite selectors and pod template labels, which acrgen does not model"},
		{"labels", "labels:\n- pairs: {team: a}\n  includeSelectors: true\n", "labels with includeSelectors also rewrite selectors and pod template labels, which acrgen does not model"},
	} {
		for _, where := range []string{"root", "base"} {
			t.Run(c.name+"/"+where, func(t *testing.T) {
				dir := t.TempDir()
				files := map[string]string{
					"base/kustomization.yaml": "resources:\n- app.yaml\n",
					"base/app.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n  - name: app\n    image: myregistry.azurecr.io/app\n",
					"root/kustomization.yaml": "resources:\n- ../base\n",
				}
				files[where+"/kustomization.yaml"] += c.field
				for p, content := range files {
					if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				tr, err := Load(filepath.Join(dir, "root"), Options{Kinds: manifest.NewKinds()})
				if err != nil {
					t.Fatal(err)
				}
				file := filepath.Join(dir, where, "kustomization.yaml")
				for _, w := range tr.Warnings {
					if w.Code == finding.Unmodelled && w.File == file && w.Line > 0 && strings.HasPrefix(w.Message(), c.warning) {
						return
					}
				}
				t.Errorf("no warning %q on a line of %s; got %+v", c.warning, file, tr.Warnings)
			})
		}
	}
}
