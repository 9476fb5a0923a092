package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	fluxkustomize "github.com/fluxcd/pkg/kustomize"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsconfig "github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	jsonstore "github.com/getsops/sops/v3/stores/json"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/kio"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// fluxRepo copies examples/flux into a temporary git repository whose .sops.yaml encrypts for a
// fresh test key.
func fluxRepo(t *testing.T) (dir, keyFile string) {
	t.Helper()
	dir = t.TempDir()
	testtool.CopyTree(t, filepath.Join(testtool.RepoRoot(t), "examples", "flux"), dir)
	if err := os.Mkdir(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	keyFile, recipient := ageKey(t)
	sopsYAML := filepath.Join(dir, ".sops.yaml")
	b, err := os.ReadFile(sopsYAML)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sopsYAML, regexp.MustCompile(`age1[0-9a-z]+`).ReplaceAll(b, []byte(recipient)), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	return dir, keyFile
}

// TestFluxCheckBeforeAndAfterRender is the case of issue 9: a Flux Kustomization maps the
// base's image onto the registry and moves it to tenant-a. check must fail before render and
// pass after, for both clusters, run from the repository root with several DIRs.
func TestFluxCheckBeforeAndAfterRender(t *testing.T) {
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	before := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry")
	if before.code != exitDrift {
		t.Fatalf("check before render: want exit 1, got %d\n%s%s", before.code, before.stdout, before.stderr)
	}
	for _, want := range []string{"Deployment podinfo in namespace tenant-a", "no Secret acr-secret in namespace tenant-a", "Deployment web in namespace web"} {
		if !strings.Contains(before.stdout, want) {
			t.Errorf("check before render does not report %q:\n%s", want, before.stdout)
		}
	}
	if !strings.Contains(before.stderr, "hello") {
		t.Errorf("check does not warn about the HelmRelease whose values name the registry:\n%s", before.stderr)
	}
	plain := acrgen(t, "", nil, "check", "apps/prod", "--registry", "myregistry")
	if plain.code != exitOK {
		t.Fatalf("apps/prod alone has no Flux object and pulls from nowhere: want exit 0, got %d\n%s%s", plain.code, plain.stdout, plain.stderr)
	}
	r := acrgen(t, testPassword, nil, "render", "clusters/prod", "clusters/staging", "--registry", "myregistry", "--username", testUser, "--password-stdin")
	if r.code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	secret, err := os.ReadFile(filepath.Join(dir, "apps/prod/acr-secret.enc.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(secret), "namespace:") {
		t.Errorf("with targetNamespace the Secret must carry no namespace (Flux sets it):\n%s", secret)
	}
	after := acrgen(t, "", nil, "check", "clusters/prod", "clusters/staging", "--registry", "myregistry")
	if after.code != exitOK {
		t.Fatalf("check after render: want exit 0, got %d\n%s%s", after.code, after.stdout, after.stderr)
	}
	snap := testtool.Snapshot(t, dir)
	again := acrgen(t, testPassword, nil, "render", "clusters/prod", "clusters/staging", "--registry", "myregistry", "--username", testUser, "--password-stdin")
	if again.code != exitOK || !strings.Contains(again.stdout, "nothing to do") {
		t.Fatalf("a second render must change nothing: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}
	for rel, content := range testtool.Snapshot(t, dir) {
		if snap[rel] != content {
			t.Errorf("second render changed %s", rel)
		}
	}
	assertNoLeak(t, dir, r.stdout, r.stderr, after.stdout, after.stderr)
}

// TestFluxProof builds every Flux Kustomization of the rendered examples the way
// kustomize-controller does (Flux's own generator on a copy of the source, its secure build,
// postBuild substitution), decrypts the SOPS Secrets of the output as the controller does, and
// checks every workload that pulls from the registry. Broken outputs must fail the same check.
func TestFluxProof(t *testing.T) {
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	r := acrgen(t, testPassword, nil, "render", ".", "--registry", "myregistry", "--username", testUser, "--password-stdin")
	if r.code != exitOK {
		t.Fatalf("render of the repository root: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := kubectlDockerConfig(t, "myregistry.azurecr.io")
	objs := fluxBuildAll(t, dir, 5)
	pulls, failures := verifyFluxOutput(objs, "myregistry.azurecr.io", want)
	for _, f := range failures {
		t.Error(f)
	}
	// prod: podinfo in tenant-a, web in web; staging: podinfo in tenant-a-staging.
	if pulls != 3 {
		t.Errorf("want 3 workloads pulling from the registry in Flux's output, got %d", pulls)
	}

	t.Run("negative cases", func(t *testing.T) {
		mutate := func(name string, f func([]fluxObject) []fluxObject) {
			cp := make([]fluxObject, len(objs))
			for i, o := range objs {
				cp[i] = o.clone()
			}
			if _, fails := verifyFluxOutput(f(cp), "myregistry.azurecr.io", want); len(fails) == 0 {
				t.Errorf("%s: the proof does not notice", name)
			}
		}
		isSecret := func(o fluxObject) bool { return o.obj.GetKind() == "Secret" && o.obj.GetName() == "acr-secret" }
		mutate("a missing Secret", func(os []fluxObject) []fluxObject {
			var out []fluxObject
			for _, o := range os {
				if !isSecret(o) || o.obj.GetNamespace() != "tenant-a" {
					out = append(out, o)
				}
			}
			return out
		})
		mutate("a Secret in the wrong namespace", func(os []fluxObject) []fluxObject {
			for _, o := range os {
				if isSecret(o) && o.obj.GetNamespace() == "web" {
					o.obj.SetNamespace("default")
				}
			}
			return os
		})
		mutate("a plaintext Secret", func(os []fluxObject) []fluxObject {
			for _, o := range os {
				if isSecret(o) && o.obj.GetNamespace() == "tenant-a-staging" {
					o.obj.Object["data"] = o.plain
					delete(o.obj.Object, "sops")
				}
			}
			return os
		})
		mutate("a Secret with another credential", func(os []fluxObject) []fluxObject {
			for i, o := range os {
				if isSecret(o) && o.obj.GetNamespace() == "tenant-a" {
					os[i].plain = map[string]any{".dockerconfigjson": base64.StdEncoding.EncodeToString([]byte(`{"auths":{}}`))}
				}
			}
			return os
		})
	})
}

// fluxObject is one object Flux would apply; plain is the decrypted data of a SOPS Secret.
type fluxObject struct {
	obj   *unstructured.Unstructured
	plain map[string]any
	from  string // the Flux Kustomization that applies it
}

func (o fluxObject) clone() fluxObject {
	c := fluxObject{obj: o.obj.DeepCopy(), from: o.from}
	if o.plain != nil {
		c.plain = map[string]any{}
		for k, v := range o.plain {
			c.plain[k] = v
		}
	}
	return c
}

// fluxBuildAll finds every Flux Kustomization under root and builds it as kustomize-controller
// does.
func fluxBuildAll(t *testing.T, root string, atLeast int) []fluxObject {
	t.Helper()
	var ks []unstructured.Unstructured
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || (filepath.Ext(p) != ".yaml" && filepath.Ext(p) != ".yml") || strings.Contains(p, "/charts/") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		nodes, err := kio.FromBytes(b)
		if err != nil {
			return nil
		}
		for _, n := range nodes {
			if n.GetKind() == "Kustomization" && strings.HasPrefix(n.GetApiVersion(), "kustomize.toolkit.fluxcd.io/") {
				js, err := n.MarshalJSON()
				if err != nil {
					return err
				}
				var u unstructured.Unstructured
				if err := u.UnmarshalJSON(js); err != nil {
					return err
				}
				ks = append(ks, u)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) < atLeast {
		t.Fatalf("want the examples' Flux Kustomizations, found %d", len(ks))
	}
	type built struct {
		k   unstructured.Unstructured
		res []*resource.Resource
	}
	var builds []built
	var configMaps []client.Object
	for _, k := range ks {
		path, _, _ := unstructured.NestedString(k.Object, "spec", "path")
		// The controller builds in a fresh copy of the artifact: the generator writes there.
		src := t.TempDir()
		testtool.CopyTree(t, root, src)
		dirPath := filepath.Join(src, path)
		if _, err := fluxkustomize.NewGenerator(src, k).WriteFile(dirPath); err != nil {
			t.Fatalf("%s: flux generator: %v", k.GetName(), err)
		}
		rm, err := fluxkustomize.SecureBuild(src, dirPath, false)
		if err != nil {
			t.Fatalf("%s: flux secure build: %v", k.GetName(), err)
		}
		b := built{k: k, res: rm.Resources()}
		for _, res := range b.res {
			if res.GetKind() == "ConfigMap" {
				u := toUnstructured(t, res)
				var cm corev1.ConfigMap
				if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &cm); err != nil {
					t.Fatal(err)
				}
				configMaps = append(configMaps, &cm)
			}
		}
		builds = append(builds, b)
	}
	// The cluster holds the ConfigMaps the Kustomizations apply, for postBuild.substituteFrom.
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	kube := fake.NewClientBuilder().WithScheme(scheme).WithObjects(configMaps...).Build()
	var out []fluxObject
	for _, b := range builds {
		for _, res := range b.res {
			if _, ok, _ := unstructured.NestedMap(b.k.Object, "spec", "postBuild"); ok {
				sub, err := fluxkustomize.SubstituteVariables(context.Background(), kube, b.k, res)
				if err != nil {
					t.Fatalf("%s: postBuild: %v", b.k.GetName(), err)
				}
				if sub != nil {
					res = sub
				}
			}
			u := toUnstructured(t, res)
			o := fluxObject{obj: u, from: b.k.GetNamespace() + "/" + b.k.GetName()}
			if u.GetKind() == "Secret" {
				if _, enc := u.Object["sops"]; enc {
					o.plain = fluxDecrypt(t, u)
				}
			}
			out = append(out, o)
		}
	}
	return out
}

func toUnstructured(t *testing.T, res *resource.Resource) *unstructured.Unstructured {
	t.Helper()
	js, err := res.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		t.Fatal(err)
	}
	return u
}

// fluxDecrypt decrypts a built Secret as kustomize-controller's decryptor does: the resource as
// JSON, sops' JSON store, the data key through a local key service (the age identity from
// SOPS_AGE_KEY_FILE, as the controller imports it from the decryption Secret), and no MAC
// check (kustomize re-sorts keys). It returns the decrypted data.
func fluxDecrypt(t *testing.T, u *unstructured.Unstructured) map[string]any {
	t.Helper()
	js, err := u.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	store := jsonstore.NewStore(&sopsconfig.JSONStoreConfig{})
	tree, err := store.LoadEncryptedFile(js)
	if err != nil {
		t.Fatalf("Secret %s/%s: loading as sops JSON: %v", u.GetNamespace(), u.GetName(), err)
	}
	key, err := tree.Metadata.GetDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyservice.NewLocalClient()}, sops.DefaultDecryptionOrder)
	if err != nil {
		t.Fatalf("Secret %s/%s: data key: %v", u.GetNamespace(), u.GetName(), err)
	}
	if _, err := tree.Decrypt(key, aes.NewCipher()); err != nil {
		t.Fatalf("Secret %s/%s: decrypting: %v", u.GetNamespace(), u.GetName(), err)
	}
	plain, err := store.EmitPlainFile(tree.Branches)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Data map[string]any `json:"data"`
	}
	if err := k8syaml.Unmarshal(plain, &got); err != nil {
		t.Fatal(err)
	}
	return got.Data
}

// verifyFluxOutput checks what Flux applies: every workload pulling from server references a
// Secret of its final namespace that is SOPS-encrypted, of type dockerconfigjson, and decrypts
// to want (kubectl's .dockerconfigjson, base64). It returns the number of such workloads and
// what is wrong.
func verifyFluxOutput(objs []fluxObject, server, want string) (int, []string) {
	ns := func(o fluxObject) string {
		if n := o.obj.GetNamespace(); n != "" {
			return n
		}
		return "default"
	}
	secrets := map[string]fluxObject{}
	for _, o := range objs {
		if o.obj.GetKind() == "Secret" && o.obj.GetAPIVersion() == "v1" {
			secrets[ns(o)+"/"+o.obj.GetName()] = o
		}
	}
	match := manifest.NewMatcher([]string{server})
	kinds := manifest.NewKinds()
	pulls := 0
	var fails []string
	for _, o := range objs {
		js, err := json.Marshal(o.obj.Object)
		if err != nil {
			return 0, []string{err.Error()}
		}
		m, err := manifest.Parse(js)
		if err != nil || len(m.Resources()) != 1 {
			return 0, []string{fmt.Sprintf("%s %s: %v", o.obj.GetKind(), o.obj.GetName(), err)}
		}
		specs, err := kinds.PodSpecs(m.Resources()[0])
		if err != nil {
			return 0, []string{err.Error()}
		}
		for _, ps := range specs {
			if !manifest.MatchesRegistry(match)(m.Resources()[0], ps) {
				continue
			}
			pulls++
			what := fmt.Sprintf("%s %s/%s (applied by %s)", o.obj.GetKind(), ns(o), o.obj.GetName(), o.from)
			var good []string
			var why []string
			for _, name := range ps.SecretNames() {
				s, ok := secrets[ns(o)+"/"+name]
				switch {
				case !ok:
					why = append(why, "no Secret "+name+" in its namespace")
				case s.obj.Object["sops"] == nil:
					why = append(why, "Secret "+name+" is not SOPS-encrypted")
				case s.obj.Object["type"] != secret.Type:
					why = append(why, fmt.Sprintf("Secret %s has type %v", name, s.obj.Object["type"]))
				case s.plain[".dockerconfigjson"] != want:
					why = append(why, "Secret "+name+" does not decrypt to kubectl's .dockerconfigjson")
				default:
					good = append(good, name)
				}
			}
			if len(good) == 0 {
				sort.Strings(why)
				fails = append(fails, fmt.Sprintf("%s pulls from %s: %s (imagePullSecrets %v)", what, server, strings.Join(why, "; "), ps.SecretNames()))
			}
		}
	}
	return pulls, fails
}

// fluxSpecRepo writes a Flux repository: a base Deployment with image "app", and a Flux
// Kustomization (spec given) applied by a flux-system Kustomization of clusters/c.
func fluxSpecRepo(t *testing.T, spec string, files map[string]string) string {
	t.Helper()
	dir, _ := fluxRepo(t)
	for _, d := range []string{"clusters", "apps", "charts"} {
		if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	all := map[string]string{
		"clusters/c/sync.yaml":    "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/c\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
		"clusters/c/app.yaml":     "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app\n  namespace: flux-system\nspec:\n  interval: 10m\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n" + spec,
		"base/kustomization.yaml": "resources:\n- app.yaml\n",
		"base/app.yaml":           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  selector:\n    matchLabels:\n      app: app\n  template:\n    metadata:\n      labels:\n        app: app\n    spec:\n      containers:\n      - name: app\n        image: app:v1\n",
	}
	for k, v := range files {
		all[k] = v
	}
	testtool.WriteTree(t, dir, all)
	return dir
}

// TestFluxSpecFields renders small Flux repositories, one per field of a Kustomization's spec
// that changes images or names, and proves each against Flux's own build: check fails before
// render, passes after, and every workload pulling from the registry has its Secret.
func TestFluxSpecFields(t *testing.T) {
	cases := []struct {
		name  string
		spec  string
		files map[string]string
	}{
		{
			name:  "JSON 6902 patch with a target, namePrefix and nameSuffix",
			spec:  "  path: ./overlay\n  targetNamespace: team\n  namePrefix: p-\n  nameSuffix: -s\n  patches:\n  - target:\n      kind: Deployment\n      name: app\n    patch: |\n      - op: replace\n        path: /spec/template/spec/containers/0/image\n        value: myregistry.azurecr.io/app:v2\n",
			files: map[string]string{"overlay/kustomization.yaml": "resources:\n- ../base\n"},
		},
		{
			name:  "strategic merge patch, spec images and a component",
			spec:  "  path: ./overlay\n  targetNamespace: team\n  components:\n  - ../comp\n  images:\n  - name: init\n    newName: myregistry.azurecr.io/init\n  patches:\n  - patch: |\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: app\n      spec:\n        template:\n          spec:\n            initContainers:\n            - name: init\n              image: init:v3\n",
			files: map[string]string{"overlay/kustomization.yaml": "resources:\n- ../base\n", "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: app\n  newName: myregistry.azurecr.io/app\n"},
		},
		{
			name:  "no kustomization at the path: Flux generates one; images in the spec",
			spec:  "  path: ./plain\n  targetNamespace: team\n  images:\n  - name: app\n    newName: myregistry.azurecr.io/app\n",
			files: map[string]string{"plain/sub/app.yaml": "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: j\n        image: app:v1\n"},
		},
		{
			name: "postBuild substituteFrom a ConfigMap of the repository, and a default",
			spec: "  path: ./vars\n  postBuild:\n    substituteFrom:\n    - kind: ConfigMap\n      name: vars\n",
			files: map[string]string{
				"clusters/c/vars.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  REGISTRY: myregistry.azurecr.io\n",
				"vars/kustomization.yaml": "namespace: team\nresources:\n- app.yaml\n",
				"vars/app.yaml":           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: v\nspec:\n  selector:\n    matchLabels:\n      app: v\n  template:\n    metadata:\n      labels:\n        app: v\n    spec:\n      containers:\n      - name: v\n        image: ${REGISTRY}/v:${TAG:=v1}\n",
			},
		},
		{
			name: "postBuild substitutes the namespaces of a workload and of a ServiceAccount",
			spec: "  path: ./nsvars\n  postBuild:\n    substitute:\n      CLUSTER: prod\n",
			files: map[string]string{
				"nsvars/kustomization.yaml": "resources:\n- app.yaml\n- sa.yaml\n",
				"nsvars/app.yaml":           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: v\n  namespace: ${CLUSTER}\nspec:\n  selector:\n    matchLabels:\n      app: v\n  template:\n    metadata:\n      labels:\n        app: v\n    spec:\n      containers:\n      - name: v\n        image: myregistry.azurecr.io/v:1\n",
				"nsvars/sa.yaml":            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reconciler\n  namespace: \"${CLUSTER}\"\n",
			},
		},
		{
			name: "postBuild substitutes the root kustomization's own namespace:",
			spec: "  path: ./kvars\n  postBuild:\n    substitute:\n      CLUSTER: prod\n",
			files: map[string]string{
				"kvars/kustomization.yaml": "namespace: ${CLUSTER}\nresources:\n- app.yaml\n- sa.yaml\n",
				"kvars/app.yaml":           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: v\nspec:\n  selector:\n    matchLabels:\n      app: v\n  template:\n    metadata:\n      labels:\n        app: v\n    spec:\n      containers:\n      - name: v\n        image: myregistry.azurecr.io/v:1\n",
				"kvars/sa.yaml":            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reconciler\n",
			},
		},
		{
			name: "postBuild substitutes the namespace: of a base",
			spec: "  path: ./kvars\n  postBuild:\n    substitute:\n      CLUSTER: prod\n",
			files: map[string]string{
				"kvars/kustomization.yaml":  "resources:\n- ../kvbase\n",
				"kvbase/kustomization.yaml": "namespace: ${CLUSTER}-base\nresources:\n- app.yaml\n",
				"kvbase/app.yaml":           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: v\nspec:\n  selector:\n    matchLabels:\n      app: v\n  template:\n    metadata:\n      labels:\n        app: v\n    spec:\n      containers:\n      - name: v\n        image: myregistry.azurecr.io/v:1\n",
			},
		},
	}
	want := kubectlDockerConfig(t, "myregistry.azurecr.io")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fluxSpecRepo(t, c.spec, c.files)
			t.Chdir(dir)
			if r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry"); r.code != exitDrift {
				t.Fatalf("check before render: want exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := acrgen(t, testPassword, nil, "render", "clusters/c", "--registry", "myregistry", "--username", testUser, "--password-stdin"); r.code != exitOK {
				t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry"); r.code != exitOK {
				t.Fatalf("check after render: want exit 0, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			pulls, fails := verifyFluxOutput(fluxBuildAll(t, dir, 2), "myregistry.azurecr.io", want)
			for _, f := range fails {
				t.Error(f)
			}
			if pulls != 1 {
				t.Errorf("want 1 workload pulling from the registry in Flux's output, got %d", pulls)
			}
		})
	}
}

// TestFluxFaults covers what check reports about the Flux objects themselves, and the cases
// acrgen refuses.
func TestFluxFaults(t *testing.T) {
	app := "  path: ./overlay\n  targetNamespace: team\n  images:\n  - name: app\n    newName: myregistry.azurecr.io/app\n"
	overlay := map[string]string{"overlay/kustomization.yaml": "resources:\n- ../base\n"}
	render := func(t *testing.T) {
		t.Helper()
		if r := acrgen(t, testPassword, nil, "render", "clusters/c", "--registry", "myregistry", "--username", testUser, "--password-stdin"); r.code != exitOK {
			t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	}
	t.Run("no sops decryption on a Kustomization that applies the Secret", func(t *testing.T) {
		dir := fluxSpecRepo(t, app, overlay)
		t.Chdir(dir)
		render(t)
		p := filepath.Join(dir, "clusters/c/app.yaml")
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), "  decryption:\n    provider: sops\n    secretRef:\n      name: sops-age\n", "", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry")
		if r.code != exitDrift || !strings.Contains(r.stdout, "without spec.decryption.provider: sops") {
			t.Fatalf("want exit 1 naming the missing decryption, got %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("a decryption secretRef nothing describes is a warning; one the repository has is not", func(t *testing.T) {
		dir := fluxSpecRepo(t, app, overlay)
		t.Chdir(dir)
		render(t)
		r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry")
		if r.code != exitOK || !strings.Contains(r.stderr, "names Secret sops-age in namespace flux-system, which nothing in the repository describes") {
			t.Fatalf("want exit 0 with a warning about sops-age, got %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if err := os.WriteFile(filepath.Join(dir, "clusters/c/sops-age.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: sops-age\n  namespace: flux-system\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry"); strings.Contains(r.stderr, "sops-age") {
			t.Fatalf("sops-age is described now, yet:\n%s", r.stderr)
		}
	})
	t.Run("an unresolved variable is named, never a silent ok", func(t *testing.T) {
		dir := fluxSpecRepo(t, "  path: ./vars\n  postBuild:\n    substitute:\n      TAG: v1\n", map[string]string{
			"vars/kustomization.yaml": "namespace: team\nresources:\n- app.yaml\n",
			"vars/app.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: v\nspec:\n  containers:\n  - name: v\n    image: ${REGISTRY_HOST}/v:${TAG}\n",
		})
		t.Chdir(dir)
		r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry")
		if !strings.Contains(r.stderr, "postBuild cannot resolve REGISTRY_HOST") {
			t.Fatalf("want a warning naming REGISTRY_HOST, got exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("a namespace variable that nothing acrgen reads substitutes: a warning, and exit 2 where a workload pulls", func(t *testing.T) {
		spec := "  path: ./nsvars\n  postBuild:\n    substitute:\n      TAG: v1\n    substituteFrom:\n    - kind: ConfigMap\n      name: cluster-vars\n"
		sa := "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: reconciler\n  namespace: ${CLUSTER}\n"
		dir := fluxSpecRepo(t, spec, map[string]string{"nsvars/kustomization.yaml": "resources:\n- sa.yaml\n", "nsvars/sa.yaml": sa})
		t.Chdir(dir)
		r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry")
		if r.code != exitOK {
			t.Fatalf("want exit 0, got %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"postBuild.substituteFrom ConfigMap cluster-vars is not in the repository",
			`nsvars/sa.yaml:5: warning: ServiceAccount reconciler: metadata.namespace "${CLUSTER}" holds a variable that nothing acrgen reads substitutes (CLUSTER;`} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("no warning %q:\n%s", want, r.stderr)
			}
		}

		dir = fluxSpecRepo(t, spec, map[string]string{"nsvars/kustomization.yaml": "resources:\n- app.yaml\n",
			"nsvars/app.yaml": strings.Replace(goodDeployment, "  name: good\n", "  name: good\n  namespace: ${CLUSTER}\n", 1)})
		t.Chdir(dir)
		before := testtool.Snapshot(t, dir)
		for _, args := range [][]string{{"check"}, {"render", "--username", testUser, "--password-stdin"}} {
			r := acrgen(t, testPassword, nil, append(append(args, "clusters/c"), "--registry", "myregistry")...)
			if r.code != exitUsage || !strings.Contains(r.stderr, `nsvars/app.yaml:5: Deployment good: metadata.namespace "${CLUSTER}" holds a variable that nothing acrgen reads substitutes (CLUSTER), and it pulls from myregistry.azurecr.io`) {
				t.Fatalf("%s: want exit 2 naming the file, line and workload, got %d\n%s%s", args[0], r.code, r.stdout, r.stderr)
			}
		}
		if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
			t.Fatalf("files touched: %s", d)
		}
	})
	t.Run("a Kustomization of another source is listed and skipped", func(t *testing.T) {
		dir := fluxSpecRepo(t, app, overlay)
		t.Chdir(dir)
		p := filepath.Join(dir, "clusters/c/app.yaml")
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), "    name: flux-system\n  decryption", "    name: other-repo\n  decryption", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry")
		if !strings.Contains(r.stderr, "Kustomization flux-system/app") || !strings.Contains(r.stderr, "other-repo") || !strings.Contains(r.stderr, "skipped") {
			t.Fatalf("want a warning naming the skipped Kustomization, got exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("two Kustomizations on one path that need different files: an error naming both, nothing written", func(t *testing.T) {
		dir := fluxSpecRepo(t, app, overlay)
		other := strings.Replace(app, "  targetNamespace: team\n", "", 1)
		writeFile := func(rel, content string) {
			if err := os.WriteFile(filepath.Join(dir, rel), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := os.ReadFile(filepath.Join(dir, "clusters/c/app.yaml"))
		writeFile("clusters/c/app2.yaml", strings.Replace(strings.Replace(string(b), "name: app\n", "name: app2\n", 1), app, other, 1))
		writeFile("base/app.yaml", strings.Replace(mustRead(t, filepath.Join(dir, "base/app.yaml")), "  name: app\n", "  name: app\n  namespace: ns-b\n", 1))
		t.Chdir(dir)
		before := testtool.Snapshot(t, dir)
		r := acrgen(t, testPassword, nil, "render", "clusters/c", "--registry", "myregistry", "--username", testUser, "--password-stdin")
		if r.code != exitUsage || !strings.Contains(r.stderr, "Kustomization flux-system/app ") || !strings.Contains(r.stderr, "Kustomization flux-system/app2 ") {
			t.Fatalf("want exit 2 naming both Kustomizations, got %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		after := testtool.Snapshot(t, dir)
		if len(after) != len(before) {
			t.Errorf("files were written: %d before, %d after", len(before), len(after))
		}
		for rel, c := range before {
			if after[rel] != c {
				t.Errorf("%s changed", rel)
			}
		}
	})
	t.Run("two Kustomizations on one path with different targetNamespaces: right for both", func(t *testing.T) {
		dir := fluxSpecRepo(t, app, overlay)
		b, _ := os.ReadFile(filepath.Join(dir, "clusters/c/app.yaml"))
		two := strings.Replace(strings.Replace(string(b), "name: app\n", "name: app2\n", 1), "targetNamespace: team\n", "targetNamespace: team-2\n", 1)
		if err := os.WriteFile(filepath.Join(dir, "clusters/c/app2.yaml"), []byte(two), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		render(t)
		if r := acrgen(t, "", nil, "check", "clusters/c", "--registry", "myregistry"); r.code != exitOK {
			t.Fatalf("check after render: %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		pulls, fails := verifyFluxOutput(fluxBuildAll(t, dir, 3), "myregistry.azurecr.io", kubectlDockerConfig(t, "myregistry.azurecr.io"))
		for _, f := range fails {
			t.Error(f)
		}
		if pulls != 2 {
			t.Errorf("want 2 workloads pulling from the registry, got %d", pulls)
		}
	})
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSeveralDirs renders two kustomize overlays (no Flux objects) in one run, as pre-commit
// passes them, and checks both in one run.
func TestSeveralDirs(t *testing.T) {
	dir, _, _ := examplesCopy(t)
	t.Chdir(dir)
	if r := acrgen(t, "", nil, "check", "overlays/prod", "overlays/staging", "--registry", "myregistry"); r.code != exitDrift {
		t.Fatalf("check before render: want exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := acrgen(t, testPassword, nil, "render", "overlays/prod", "overlays/staging", "--registry", "myregistry", "--username", testUser, "--password-stdin")
	if r.code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, o := range []string{"overlays/prod", "overlays/staging"} {
		if c := acrgen(t, "", nil, "check", o, "--registry", "myregistry"); c.code != exitOK {
			t.Errorf("check %s alone after the joint render: exit %d\n%s%s", o, c.code, c.stdout, c.stderr)
		}
	}
	if c := acrgen(t, "", nil, "check", "overlays/prod", "overlays/staging", "--registry", "myregistry"); c.code != exitOK {
		t.Errorf("check of both: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	if c := acrgen(t, "", nil, "check", "--registry", "myregistry"); c.code != exitUsage {
		t.Errorf("check without a DIR: want exit 2, got %d", c.code)
	}
}

// A Flux Kustomization with decryption provider sops but no secretRef gives kustomize-controller
// no age key, unless the controller runs with --sops-age-secret: check refuses it, render warns
// (issue 18 §2). The Secret here is age-encrypted.
func TestFluxDecryptionWithoutKey(t *testing.T) {
	dir, _ := fluxRepo(t)
	t.Chdir(dir)
	if r := acrgen(t, testPassword, nil, "render", "clusters/prod", "--registry", "myregistry", "--username", testUser, "--password-stdin"); r.code != exitOK {
		t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	edit(t, "clusters/prod/web.yaml", `\n    secretRef:\n      name: sops-age`, "")
	r := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry")
	want := `clusters/prod/web.yaml: problem: Kustomization web in namespace flux-system has no spec.decryption.secretRef, but Secret acr-secret is encrypted only for age keys: kustomize-controller would have no key to decrypt it [ACR084]`
	if r.code != exitDrift || !strings.Contains(r.stdout, want) {
		t.Fatalf("check: want exit 1 and\n%s\ngot %d\n%s%s", want, r.code, r.stdout, r.stderr)
	}
	if r := acrgen(t, "", nil, "render", "clusters/prod", "--registry", "myregistry", "--check"); !strings.Contains(r.stderr, "warning: Kustomization web in namespace flux-system has no spec.decryption.secretRef") {
		t.Fatalf("render --check: want the warning, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The controller's own age keys, set where the repository configures it.
	write(t, "clusters/prod/flux-system/kustomization.yaml", `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- gotk-sync.yaml
patches:
- target: {kind: Deployment, name: kustomize-controller}
  patch: |
    - op: add
      path: /spec/template/spec/containers/0/args/-
      value: --sops-age-secret=sops-age-keys
`)
	if r := acrgen(t, "", nil, "check", "clusters/prod", "--registry", "myregistry"); r.code != exitOK || strings.Contains(r.stdout, "ACR084") {
		t.Fatalf("check with --sops-age-secret: want exit 0, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
