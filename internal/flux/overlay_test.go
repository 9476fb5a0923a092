package flux

import (
	"reflect"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// parseObject decodes a Flux Kustomization written as YAML, as the scan does.
func parseObject(t *testing.T, doc string) *Kustomization {
	t.Helper()
	n, err := yaml.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimPrefix(n.GetApiVersion(), Group+"/")
	k, err := decode(n.YNode(), version)
	if err != nil {
		t.Fatal(err)
	}
	k.Namespace = n.GetNamespace()
	return k
}

// object is a Flux Kustomization in flux-system with spec, indented two spaces.
func object(spec string) string {
	return "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  path: ./app\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n" + spec
}

// succeeds reports whether err is nil, as want "" says it should be; for another want, it
// checks that err holds want.
func succeeds(t *testing.T, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatal(err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Fatalf("got %v, want an error with %q", err, want)
	}
	return err == nil
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      string // spec.path and targetNamespace, "path ns"
		err       string
	}{
		{name: "v1", doc: object("  targetNamespace: team\n"), want: "./app team"},
		{name: "v1beta2: the fields acrgen reads mean the same",
			doc:  strings.Replace(object("  targetNamespace: team\n"), "/v1\n", "/v1beta2\n", 1),
			want: "./app team"},
		{name: "v1beta2 with a field removed in v1",
			doc: strings.Replace(object("  patchesStrategicMerge:\n  - kind: Deployment\n"), "/v1\n", "/v1beta2\n", 1),
			err: "patchesStrategicMerge and patchesJson6902 were removed in v1: move them to spec.patches"},
		{name: "an unknown version", doc: strings.Replace(object(""), "/v1\n", "/v2\n", 1), err: "version v2 is not supported: use v1 or v1beta2"},
		{name: "a field of the wrong type", doc: object("  targetNamespace: [a, b]\n"), err: "cannot unmarshal array"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := yaml.Parse(tc.doc)
			if err != nil {
				t.Fatal(err)
			}
			k, err := decode(n.YNode(), strings.TrimPrefix(n.GetApiVersion(), Group+"/"))
			if !succeeds(t, err, tc.err) {
				return
			}
			if got := k.Spec.Path + " " + k.Spec.TargetNamespace; got != tc.want || k.Name != "app" {
				t.Errorf("got %s %q, want app %q", k.Name, got, tc.want)
			}
		})
	}
}

// What kustomize-controller does to the kustomization at spec.path, as its generator does:
// the spec's fields replace or add to the kustomization's own.
func TestOverlayAdjusts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spec  string
		files []string // the directory's files, for components
		in    types.Kustomization
		want  types.Kustomization
	}{
		{name: "an empty spec changes nothing", in: types.Kustomization{Namespace: "a", NamePrefix: "p-"}, want: types.Kustomization{Namespace: "a", NamePrefix: "p-"}},
		{name: "targetNamespace, namePrefix and nameSuffix replace the kustomization's",
			spec: "  targetNamespace: team\n  namePrefix: x-\n  nameSuffix: -y\n",
			in:   types.Kustomization{Namespace: "a", NamePrefix: "p-", NameSuffix: "-s"},
			want: types.Kustomization{Namespace: "team", NamePrefix: "x-", NameSuffix: "-y"}},
		{name: "patches are appended, their targets as kustomize's selectors",
			spec: "  patches:\n  - patch: '[{op: add, path: /a, value: b}]'\n    target:\n      group: apps\n      version: v1\n      kind: Deployment\n      name: web\n      namespace: team\n      labelSelector: app=web\n      annotationSelector: a=b\n  - patch: 'kind: Pod'\n",
			in:   types.Kustomization{Patches: []types.Patch{{Path: "own.yaml"}}},
			want: types.Kustomization{Patches: []types.Patch{{Path: "own.yaml"},
				{Patch: "[{op: add, path: /a, value: b}]", Target: &types.Selector{ResId: resID("apps", "v1", "Deployment", "web", "team"), LabelSelector: "app=web", AnnotationSelector: "a=b"}},
				{Patch: "kind: Pod"}}}},
		{name: "components are appended; a missing one is kept (kustomize then fails)",
			spec:  "  components:\n  - ../present\n  - ../missing\n",
			files: []string{"present/kustomization.yaml"},
			in:    types.Kustomization{Components: []string{"own"}},
			want:  types.Kustomization{Components: []string{"own", "../present", "../missing"}}},
		{name: "ignoreMissingComponents drops the missing ones",
			spec:  "  ignoreMissingComponents: true\n  components:\n  - ../present\n  - ../missing\n",
			files: []string{"present/kustomization.yaml"},
			want:  types.Kustomization{Components: []string{"../present"}}},
		{name: "images merge by name: a newName replaces, a newTag or digest replaces both, a new name is added",
			spec: "  images:\n  - name: web\n    newName: reg.io/web\n  - name: api\n    digest: sha256:abc\n  - name: new\n    newTag: v3\n",
			in:   types.Kustomization{Images: []types.Image{{Name: "web", NewTag: "v1"}, {Name: "api", NewName: "reg.io/api", NewTag: "v2"}}},
			want: types.Kustomization{Images: []types.Image{{Name: "web", NewName: "reg.io/web", NewTag: "v1"}, {Name: "api", NewName: "reg.io/api", Digest: "sha256:abc"}, {Name: "new", NewTag: "v3"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{"app/kustomization.yaml": "resources: []\n"}
			for _, f := range tc.files {
				files[f] = "kind: Component\n"
			}
			testtool.WriteTree(t, root, files)
			ov, subst, warnings := overlay(parseObject(t, object(tc.spec)), root+"/app", &Index{})
			if subst != nil || ov.Substitute != nil || ov.SubstituteNamespace != nil || len(warnings) > 0 {
				t.Fatalf("no postBuild: want no substitution, got %v %v", subst, warnings)
			}
			got := tc.in
			ov.Adjust(&got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("adjusted to\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

// postBuild: the variables come from substitute and from the ConfigMaps and Secrets of
// substituteFrom that the repository holds unencrypted (substitute wins); what cannot be read
// is a warning; the references it cannot resolve are left as written and named.
func TestOverlaySubstitutes(t *testing.T) {
	idx := &Index{objs: map[string]indexed{}}
	idx.objs[indexKey("ConfigMap", "flux-system", "vars")] = indexed{data: map[string]string{"REGISTRY": "myregistry.azurecr.io", "TAG": "v9", "NS": "from-configmap"}}
	idx.objs[indexKey("Secret", "*", "secret-vars")] = indexed{data: map[string]string{"NS": "from-secret"}}
	idx.objs[indexKey("Secret", "flux-system", "sealed")] = indexed{data: map[string]string{}, encrypted: true}
	const image = "${REGISTRY}/app:${TAG:=v1}"
	for _, tc := range []struct {
		name, spec         string
		image, namespace   string // image and ${NS} after substitution
		unresolved         []string
		warnings           []string
		substitutesNothing bool
	}{
		{name: "postBuild without variables substitutes nothing", spec: "  postBuild: {}\n", substitutesNothing: true},
		{name: "substitute, with a default for what it lacks", spec: "  postBuild:\n    substitute:\n      REGISTRY: myregistry.azurecr.io\n      NS: team\n",
			image: "myregistry.azurecr.io/app:v1", namespace: "team"},
		{name: "a value's line breaks go", spec: "  postBuild:\n    substitute:\n      REGISTRY: \"my\\nregistry.azurecr.io\"\n",
			image: "myregistry.azurecr.io/app:v1", namespace: "${NS}"},
		{name: "substituteFrom a ConfigMap and a Secret of the repository, in order; substitute wins",
			spec:  "  postBuild:\n    substitute:\n      TAG: v2\n    substituteFrom:\n    - kind: ConfigMap\n      name: vars\n    - kind: Secret\n      name: secret-vars\n",
			image: "myregistry.azurecr.io/app:v2", namespace: "from-secret"},
		{name: "a missing substituteFrom: a warning, and what it would set is unresolved",
			spec:  "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: cluster-vars\n",
			image: image, namespace: "${NS}", unresolved: []string{"REGISTRY"},
			warnings: []string{"postBuild.substituteFrom ConfigMap cluster-vars is not in the repository"}},
		{name: "an optional one that is missing: no warning",
			spec:  "  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: cluster-vars\n      optional: true\n",
			image: image, namespace: "${NS}", unresolved: []string{"REGISTRY"}},
		{name: "a SOPS-encrypted Secret: a warning",
			spec:  "  postBuild:\n    substituteFrom:\n    - kind: Secret\n      name: sealed\n",
			image: image, namespace: "${NS}", unresolved: []string{"REGISTRY"},
			warnings: []string{"postBuild.substituteFrom Secret sealed is SOPS-encrypted: acrgen cannot read its variables"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := parseObject(t, object(tc.spec))
			ov, subst, warnings := overlay(k, t.TempDir(), idx)
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %q", warnings, tc.warnings)
			}
			for i, w := range tc.warnings {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %q, want %q", warnings[i], w)
				}
			}
			if tc.substitutesNothing {
				if subst != nil || ov.Substitute != nil {
					t.Fatal("want no substitution")
				}
				return
			}
			if got := ov.Substitute(image); got != tc.image {
				t.Errorf("image %q, want %q", got, tc.image)
			}
			if got := ov.SubstituteNamespace("${NS}"); got != tc.namespace {
				t.Errorf("namespace %q, want %q", got, tc.namespace)
			}
			if got := (Target{subst: subst}).Unresolved(); strings.Join(got, ",") != strings.Join(tc.unresolved, ",") {
				t.Errorf("unresolved %q, want %q", got, tc.unresolved)
			}
		})
	}
}

// Flux's envsubst: ${VAR} (not $VAR) and defaults; a reference without a value leaves the
// whole string as written. Only image references record the variables they leave
// (namespaces are reported with their objects).
func TestSubstituter(t *testing.T) {
	s := &substituter{vars: map[string]string{"A": "a", "EMPTY": ""}, unresolved: map[string]bool{}}
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"${A}", "a"},
		{"x-${A}-y", "x-a-y"},
		{"${B:=b}", "b"},
		{"${B:-b}", "b"},
		{"${EMPTY:-e}", "e"},
		{"${B}", "${B}"},
		{"${A}/${C}", "${A}/${C}"},
		{"${", "${"},
		{"$A", "$A"},
	} {
		if got := s.eval(tc.in); got != tc.want {
			t.Errorf("eval(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if len(s.unresolved) != 0 {
		t.Fatalf("eval recorded %v", s.unresolved)
	}
	s.substitute("${B}/x:${TAG:=v1}")
	s.substitute("${A}/${C}")
	if got := sortedNames(s.unresolved); !reflect.DeepEqual(got, []string{"B", "C"}) {
		t.Errorf("unresolved %q, want B and C (TAG has a default)", got)
	}
}

func TestHelmRelease(t *testing.T) {
	h := &HelmRelease{Name: "web", Namespace: "apps"}
	for name, want := range map[string]bool{"web": true, "apps/web": true, "other/web": false, "apps/api": false, "api": false} {
		if got := h.Is(name); got != want {
			t.Errorf("Is(%q) = %v, want %v", name, got, want)
		}
	}
	if ns, _, _ := h.ReleaseNamespace(); ns != "apps" {
		t.Errorf("release namespace %q, want the object's", ns)
	}
	h.Spec.TargetNamespace = "team"
	if ns, field, _ := h.ReleaseNamespace(); ns != "team" || field != "spec.targetNamespace" {
		t.Errorf("release namespace %q from %s, want spec.targetNamespace", ns, field)
	}
	if h.String() != "HelmRelease apps/web" {
		t.Errorf("String() = %q", h.String())
	}
}
