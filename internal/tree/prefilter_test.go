package tree

import (
	"bytes"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/api/types"
)

func TestTriggers(t *testing.T) {
	const reg = "myregistry.azurecr.io"
	sa := GroupKind{Kind: "ServiceAccount"}
	flux := GroupKind{Group: "kustomize.toolkit.fluxcd.io", Kind: "Kustomization"}
	withSA := manifest.NewKinds().With(manifest.ServiceAccountKind)
	for _, tc := range []struct {
		name    string
		in      Interest
		kinds   *manifest.Kinds
		images  []types.Image
		patches []string
		want    *triggers
	}{
		{name: "no interest: parse everything", kinds: withSA},
		{name: "registries, lower-cased; what holds a variable", in: Interest{Registries: []string{"MyRegistry.azurecr.io"}}, kinds: manifest.NewKinds(), want: &triggers{words: []string{reg, "${"}}},
		{name: "Docker Hub: parse everything", in: Interest{Registries: []string{reg, "docker.io"}}, kinds: withSA},
		{name: "an images: entry onto the registry", in: Interest{Registries: []string{reg}},
			images: []types.Image{{Name: "web", NewName: reg + "/web"}, {Name: "other", NewName: "elsewhere.io/other"}},
			want:   &triggers{words: []string{reg, "web", "${"}}},
		{name: "images: entries chained onto the registry", in: Interest{Registries: []string{reg}},
			images: []types.Image{{Name: "short", NewName: "Web"}, {Name: "web", NewName: reg + "/web"}},
			want:   &triggers{words: []string{reg, "web", "short", "${"}}},
		{name: "a patch that mentions the registry: parse everything", in: Interest{Registries: []string{reg}}, kinds: withSA,
			patches: []string{"- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: MYREGISTRY.azurecr.io/x\n"}},
		{name: "a patch that does not; the Secret's name; the kinds that lend their pull secrets", in: Interest{Registries: []string{reg}, Names: []string{"ACR-secret"}},
			kinds: withSA, patches: []string{"metadata:\n  labels: {a: b}\n"}, want: &triggers{words: []string{reg, "${", "acr-secret"}, kinds: []GroupKind{sa}}},
		{name: "kinds alone (the Flux scan): their objects, not the ServiceAccounts nor variables", in: Interest{Kinds: []GroupKind{flux}}, kinds: withSA,
			want: &triggers{kinds: []GroupKind{flux}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := deriveTriggers(tc.in, tc.kinds, tc.images, tc.patches)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("deriveTriggers() = %+v, want %+v", got, tc.want)
			}
			if (got.key() == "") != (tc.want == nil) || (got.keep() == nil) != (tc.want == nil) {
				t.Errorf("key %q: want a key and a filter exactly when there are triggers", got.key())
			}
		})
	}
}

// A kind is found however a document spells it, in its case, as a word; with its group when
// it has one.
func TestKindFinder(t *testing.T) {
	sa := kindFinder{kind: []byte("ServiceAccount")}
	hr := kindFinder{kind: []byte("HelmRelease"), group: []byte("helm.toolkit.fluxcd.io")}
	for _, tc := range []struct {
		f    kindFinder
		doc  string
		want bool
	}{
		{sa, "apiVersion: v1\nkind: ServiceAccount\n", true},
		{sa, "kind:   ServiceAccount # the app's\n", true},
		{sa, "kind: \"ServiceAccount\"\n", true},
		{sa, "kind: 'ServiceAccount'\n", true},
		{sa, "kind: !!str ServiceAccount\n", true},
		{sa, "{\"apiVersion\":\"v1\",\"kind\":\"ServiceAccount\"}", true},
		{sa, "{apiVersion: v1, kind: ServiceAccount, metadata: {name: a}}", true},
		{sa, "kind: >-\n  ServiceAccount\n", true},
		{sa, "ServiceAccount", true},
		{sa, "spec:\n  serviceAccountName: app\n", false},
		{sa, "kind: serviceaccount\n", false}, // no ServiceAccount: kinds are case-sensitive
		{sa, "kind: ServiceAccountList\n", false},
		{sa, "kind: MyServiceAccount\n", false},
		{sa, "kind: ServiceAccount2\nkind: ServiceAccount\n", true},
		{hr, "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\n", true},
		{hr, "apiVersion: example.com/v1\nkind: HelmRelease\n", false},
		{hr, "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRepository\n", false},
	} {
		if got := tc.f.in([]byte(tc.doc)); got != tc.want {
			t.Errorf("kind %s in %q = %v, want %v", tc.f.kind, tc.doc, got, tc.want)
		}
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
		opts := Options{Kinds: manifest.NewKinds(), Interest: Interest{Registries: []string{reg}}}
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
	keep := (&triggers{words: []string{"myregistry.azurecr.io"}}).keep()
	m, err := parseFiltered([]byte(pulls+"---\n"+other+"---\n"+bad), keep, false)
	if err != nil || len(m.Docs) != 1 || len(m.Skipped) != 2 || m.Skipped[0].Line != 5 || m.Skipped[1].Line != 9 {
		t.Fatalf("with triggers: %v, %d docs, skipped %v; want 1 doc and lines 5 and 9 skipped", err, len(m.Docs), m.Skipped)
	}
	if _, err := parseFiltered([]byte(pulls+"---\n"+template), keep, false); err == nil || !strings.Contains(err.Error(), "line 8") {
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
