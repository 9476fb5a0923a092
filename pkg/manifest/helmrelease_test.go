package manifest

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

var updateHelm = flag.Bool("update-helm", false, "rewrite the golden files of testdata/helmrelease")

// helmSpec parses src and returns the spec of its first document.
func helmSpec(t *testing.T, src []byte) (*File, *Resource) {
	t.Helper()
	m, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	res := m.Resources()[0]
	return m, &res
}

// TestAddHelmPostRenderer appends the post-renderer to a HelmRelease (golden files): a new
// postRenderers key at the end of spec, before the next document; after an existing
// post-renderer, in its indentation; under an empty key. The result holds the patches, and a
// second run finds nothing missing.
func TestAddHelmPostRenderer(t *testing.T) {
	patches := HelmPullSecretPatches("acr-secret")
	ins, err := filepath.Glob("testdata/helmrelease/*.in.yaml")
	if err != nil || len(ins) < 3 {
		t.Fatalf("golden inputs: %v %v", ins, err)
	}
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			m, res := helmSpec(t, src)
			spec := MapValue(res.Node, "spec")
			if !HelmPostRendererMissing(spec, patches) {
				t.Fatal("the input has no post-renderer patch yet")
			}
			e, err := AddHelmPostRenderer(m.Src, spec, patches)
			if err != nil {
				t.Fatal(err)
			}
			got, err := yamledit.Apply(src, []yamledit.Edit{e})
			if err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *updateHelm {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Fatalf("got:\n%s\nwant:\n%s", got, want)
			}
			_, res2 := helmSpec(t, got)
			if HelmPostRendererMissing(MapValue(res2.Node, "spec"), patches) {
				t.Error("the edited release still misses a patch: a second run would add it again")
			}
			if !HelmPostRendererMissing(MapValue(res2.Node, "spec"), HelmPullSecretPatches("other")) {
				t.Error("patches for another secret name must count as missing")
			}
			// The same patches narrowed to one object by name reach only that object.
			narrowed := regexp.MustCompile(`target:\n( +)kind: `).ReplaceAllString(string(got), "target:\n${1}name: only-this-one\n${1}kind: ")
			if narrowed == string(got) {
				t.Fatalf("the golden's targets are not where this test narrows them:\n%s", got)
			}
			if _, res3 := helmSpec(t, []byte(narrowed)); !HelmPostRendererMissing(MapValue(res3.Node, "spec"), patches) {
				t.Errorf("patches whose target is narrowed to a name must count as missing:\n%s", narrowed)
			}
		})
	}
}

// A flow-style postRenderers list is refused with the line, not rewritten.
func TestAddHelmPostRendererRefusesFlow(t *testing.T) {
	src := []byte("apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: a\nspec:\n  postRenderers: []\n")
	m, res := helmSpec(t, src)
	_, err := AddHelmPostRenderer(m.Src, MapValue(res.Node, "spec"), HelmPullSecretPatches("s"))
	if err == nil || !strings.Contains(err.Error(), "line 6") {
		t.Fatalf("want an error naming line 6, got %v", err)
	}
}
