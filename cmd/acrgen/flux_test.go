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

	"github.com/acrgen/acrgen/internal/testtool"
	"github.com/acrgen/acrgen/pkg/render"
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
	objs := fluxBuildAll(t, dir)
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
func fluxBuildAll(t *testing.T, root string) []fluxObject {
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
	if len(ks) < 4 {
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
	match := render.NewMatcher([]string{server})
	kinds := render.NewKinds()
	pulls := 0
	var fails []string
	for _, o := range objs {
		js, err := json.Marshal(o.obj.Object)
		if err != nil {
			return 0, []string{err.Error()}
		}
		m, err := render.ParseManifest(js)
		if err != nil || len(m.Resources()) != 1 {
			return 0, []string{fmt.Sprintf("%s %s: %v", o.obj.GetKind(), o.obj.GetName(), err)}
		}
		specs, err := kinds.PodSpecs(m.Resources()[0])
		if err != nil {
			return 0, []string{err.Error()}
		}
		for _, ps := range specs {
			if !render.MatchesRegistry(match)(m.Resources()[0], ps) {
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
				case s.obj.Object["type"] != render.SecretType:
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
