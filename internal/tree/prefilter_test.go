package tree

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/render"
	"sigs.k8s.io/kustomize/api/types"
)

func TestTriggers(t *testing.T) {
	const reg = "myregistry.azurecr.io"
	for _, tc := range []struct {
		name       string
		registries []string
		images     []types.Image
		patches    []string
		relevant   []string
		want       []string
	}{
		{name: "no registries: parse everything"},
		{name: "registries, lower-cased", registries: []string{"MyRegistry.azurecr.io"}, want: []string{reg}},
		{name: "Docker Hub: parse everything", registries: []string{reg, "docker.io"}},
		{name: "an images: entry onto the registry", registries: []string{reg},
			images: []types.Image{{Name: "web", NewName: reg + "/web"}, {Name: "other", NewName: "elsewhere.io/other"}},
			want:   []string{reg, "web"}},
		{name: "images: entries chained onto the registry", registries: []string{reg},
			images: []types.Image{{Name: "short", NewName: "Web"}, {Name: "web", NewName: reg + "/web"}},
			want:   []string{reg, "web", "short"}},
		{name: "a patch that mentions the registry: parse everything", registries: []string{reg},
			patches: []string{"- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: MYREGISTRY.azurecr.io/x\n"}},
		{name: "a patch that does not", registries: []string{reg}, patches: []string{"metadata:\n  labels: {a: b}\n"},
			relevant: []string{"acr-secret", "kind: ServiceAccount"}, want: []string{reg, "acr-secret", "kind: serviceaccount"}},
		{name: "relevant strings alone (the Flux scan): parse only what names them", relevant: []string{".toolkit.fluxcd.io"},
			want: []string{".toolkit.fluxcd.io"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := triggers(tc.registries, tc.relevant, tc.images, tc.patches); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("triggers() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRelevant(t *testing.T) {
	triggers := []string{"myregistry.azurecr.io", "acr-secret"}
	for doc, want := range map[string]bool{
		"image: MyRegistry.AzureCR.io/app:1\n":     true,
		"imagePullSecrets:\n- name: ACR-Secret\n":  true,
		"image: otherregistry.azurecr.io/app:1\n":  false,
		"image: myregistry.azurecr.com/app:1\n":    false,
		"kind: ConfigMap\ndata: {a: myregistry}\n": false,
		"MYREGISTRY.AZURECR.IO":                    true,
		"mmmyregistry.azurecr.i":                   false,
		"xMmYregistry.azurecr.io":                  true,
		"":                                         false,
	} {
		if got := relevant([]byte(doc), triggers); got != want {
			t.Errorf("relevant(%q) = %v, want %v", doc, got, want)
		}
		if lower := bytes.Contains(bytes.ToLower([]byte(doc)), []byte(triggers[0])) || bytes.Contains(bytes.ToLower([]byte(doc)), []byte(triggers[1])); lower != want {
			t.Errorf("%q: the table disagrees with a plain lower-case search", doc)
		}
	}
}

// With the prefilter on, the model answers as kustomize build did for every workload that
// pulls from the registry (the recorded goldens), though it parses fewer documents; the
// documents it skips are recorded in their files.
func TestPrefilterKeepsRegistryWorkloads(t *testing.T) {
	const reg = "myregistry.azurecr.io"
	pulls := func(ws []workload) []workload {
		var out []workload
		for _, w := range ws {
			for _, ps := range w.PodSpecs {
				if strings.Contains(strings.Join(ps.Images, " "), reg) {
					out = append(out, w)
					break
				}
			}
		}
		return out
	}
	skipped := 0
	for _, name := range modelCaseNames(t) {
		root := filepath.Join(modelCases, name, "root")
		want, err := readGolden(filepath.Join(modelCases, name, "want.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		opts := Options{Kinds: render.NewKinds(), Registries: []string{reg}}
		got, err := modelWorkloads(root, opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d := diffWorkloads(pulls(got), pulls(want)); d != "" {
			t.Errorf("%s: with the prefilter, the model and kustomize build disagree:\n%s", name, d)
		}
		tr, err := Load(root, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range tr.Files {
			skipped += len(f.Manifest.Skipped)
		}
	}
	if skipped == 0 {
		t.Error("the prefilter skipped no document in any case: the test shows nothing")
	}
}

// parseFiltered parses what mentions a trigger and any template (to report it), records the
// rest as skipped, and parses everything without triggers.
func TestParseFiltered(t *testing.T) {
	const (
		pulls    = "kind: Pod\nspec:\n  containers:\n  - image: myregistry.azurecr.io/a\n"
		other    = "kind: ConfigMap\ndata:\n  a: b\n"
		template = "kind: ConfigMap\ndata:\n  a: {{ .Values.a }}\n"
		bad      = "kind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n"
	)
	triggers := []string{"myregistry.azurecr.io"}
	m, err := parseFiltered([]byte(pulls+"---\n"+other+"---\n"+bad), finders(triggers), false)
	if err != nil || len(m.Docs) != 1 || len(m.Skipped) != 2 || m.Skipped[0].Line != 5 || m.Skipped[1].Line != 9 {
		t.Fatalf("with triggers: %v, %d docs, skipped %v; want 1 doc and lines 5 and 9 skipped", err, len(m.Docs), m.Skipped)
	}
	if _, err := parseFiltered([]byte(pulls+"---\n"+template), finders(triggers), false); err == nil || !strings.Contains(err.Error(), "line 8") {
		t.Fatalf("a template that mentions no trigger: got %v, want it parsed and refused at line 8", err)
	}
	if _, err := parseFiltered([]byte(pulls+"---\n"+bad), nil, false); err == nil || !strings.Contains(err.Error(), "line 9") {
		t.Fatalf("no triggers: got %v, want every document parsed and the malformed one refused at line 9", err)
	}
}

// FuzzContainsFold: the search without a copy agrees with a search of a lower-cased copy
// (for ASCII; a non-ASCII letter never lowers to an ASCII one in a registry host).
func FuzzContainsFold(f *testing.F) {
	f.Add([]byte("image: MyRegistry.AzureCR.io/x"), "myregistry.azurecr.io")
	f.Add([]byte("mmmyr"), "myr")
	f.Add([]byte("azurazureCR.IOazurecr.i"), "azurecr.io")  // anchored on its "z"
	f.Add([]byte("x-y-acr-secre-acr-secret"), "acr-secret") // anchored on its "-"
	f.Fuzz(func(t *testing.T, b []byte, trigger string) {
		trigger = strings.ToLower(trigger)
		for _, c := range []byte(trigger + string(b)) {
			if c >= 0x80 {
				return
			}
		}
		if got, want := newFinder(trigger).in(b), bytes.Contains(bytes.ToLower(b), []byte(trigger)); got != want {
			t.Errorf("newFinder(%q).in(%q) = %v, want %v", trigger, b, got, want)
		}
	})
}
