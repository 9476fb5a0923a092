package argoproof

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/acrgen/acrgen/internal/argocd"
	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// The "after render" half of the proof: each Application is built with Argo CD's own code
// (the repo-server's GenerateManifests, kustomize with --enable-alpha-plugins --enable-exec,
// the KSOPS stand-in on PATH running the real sops) before and after `acrgen render
// --decryptor ksops` of the repository. Every workload that pulls from the registry must then
// reference a pull Secret that the build holds, decrypted, in its namespace, with the
// credential given; nothing else may change: no object added but those Secrets, none removed,
// none changed but for that one imagePullSecrets entry. A second render must change nothing,
// and check must find no problem.

var renderSeeds = flag.Uint64("render-seeds", 60, "how many generated repositories TestRenderedApplications renders")

// pluginOptions are the kustomize.buildOptions of argocd-cm that KSOPS needs.
const pluginOptions = "--enable-alpha-plugins --enable-exec"

// Test data: an obviously fake credential.
const (
	secretName = "acr-secret"
	username   = "00000000-0000-0000-0000-000000000000"
	password   = "fake-password-for-tests"
)

// recipient is the age recipient of the test-only key whose file SOPS_AGE_KEY_FILE names (set
// by TestMain, with the KSOPS stand-in on PATH).
var recipient string

// setUpKSOPS builds the KSOPS stand-in into dir, puts it on PATH, and makes a test-only age key
// that sops (run by the stand-in) finds through SOPS_AGE_KEY_FILE.
func setUpKSOPS(dir string) error {
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "ksops"), "github.com/acrgen/acrgen/internal/testing/ksops").CombinedOutput()
	if err != nil {
		return fmt.Errorf("building the KSOPS stand-in: %v\n%s", err, out)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return err
	}
	key := filepath.Join(dir, "test-only.agekey")
	if err := os.WriteFile(key, []byte(id.String()+"\n"), 0o600); err != nil {
		return err
	}
	recipient = id.Recipient().String()
	os.Setenv("SOPS_AGE_KEY_FILE", key)
	os.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return nil
}

// TestRenderedHandWritten runs the proof on the golden repositories of internal/argocd, twice:
// with --decryptor ksops, and with --decryptor sops (where something else than kustomize
// decrypts the Secret: the proof decrypts it with the real sops, as that would).
func TestRenderedHandWritten(t *testing.T) {
	cases, err := filepath.Glob("../../argocd/testdata/resolve/*/repo")
	if err != nil || len(cases) < 6 {
		t.Fatalf("want the golden repositories of internal/argocd, got %v (%v)", cases, err)
	}
	total := 0
	for _, c := range cases {
		for _, d := range []judge.Decryptor{judge.DecryptorKSOPS, judge.DecryptorSOPS} {
			t.Run(filepath.Base(filepath.Dir(c))+"/"+string(d), func(t *testing.T) {
				dir := t.TempDir()
				testtool.CopyTree(t, c, dir)
				apps := dir
				if fi, err := os.Stat(filepath.Join(dir, "argocd")); err == nil && fi.IsDir() {
					apps = filepath.Join(dir, "argocd") // beside a Helm chart, which acrgen refuses to read as manifests
				}
				n, fail := renderDiffer(t, dir, apps, d)
				t.Logf("%d workloads pulling from the registry rendered", n)
				total += n
				if fail != "" {
					t.Fatal(fail)
				}
			})
		}
	}
	if total < 16 {
		t.Errorf("only %d workloads pulling from the registry were rendered: the cases no longer exercise the proof", total)
	}
}

// TestRenderedExamples runs the proof on examples/argocd: Applications and an ApplicationSet
// over the examples' base, one of them with a KSOPS generator already.
func TestRenderedExamples(t *testing.T) {
	dir := t.TempDir()
	testtool.CopyTree(t, filepath.Join("..", "..", "..", "examples"), dir)
	n, fail := renderDiffer(t, dir, filepath.Join(dir, "argocd", "applications"), judge.DecryptorKSOPS)
	if fail != "" {
		t.Fatal(fail)
	}
	if n < 6 {
		t.Errorf("only %d workloads pulling from the registry were rendered in examples/argocd", n)
	}
	t.Logf("%d workloads pulling from the registry rendered", n)
}

// TestRenderedApplications runs the proof on generated repositories (seeds 1 to
// -render-seeds).
func TestRenderedApplications(t *testing.T) {
	var rendered atomic.Int64
	t.Run("seeds", func(t *testing.T) {
		for seed := uint64(1); seed <= *renderSeeds; seed++ {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				files := generate(seed)
				testtool.WriteTree(t, dir, files)
				n, fail := renderDiffer(t, dir, dir, judge.DecryptorKSOPS)
				rendered.Add(int64(n))
				if fail != "" {
					t.Errorf("seed %d:\n%s\nrepository:\n%s", seed, fail, describe(files))
				}
			})
		}
	})
	if n := rendered.Load(); n < int64(*renderSeeds)/2 {
		t.Errorf("only %d workloads pulling from the registry in %d generated repositories: fix the generator", n, *renderSeeds)
	}
	t.Logf("%d workloads pulling from the registry rendered", rendered.Load())
}

// renderDiffer renders the repository at root (acrgen given the directory apps, which holds
// its Applications) with decryptor d, and compares each Application's build before and after.
// It returns how many workloads that pull from the registry it saw rendered, and what is
// wrong.
//
// Two refusals are right, and the comparison then stops: with KSOPS, Applications with a
// directory source that pulls from the registry (Argo CD reads it without kustomize, so
// nothing decrypts the Secret there); and two Applications over one directory that need
// different changes to one file.
func renderDiffer(t *testing.T, root, apps string, d judge.Decryptor) (int, string) {
	t.Helper()
	kustomize := testtool.Path(t, "kustomize")
	repo, err := argocd.Resolve([]string{apps}, argocd.Options{SourceRoot: root, RepoURLs: []string{repoURL}})
	if err != nil {
		return 0, "acrgen: " + err.Error()
	}
	type built struct {
		tg   argocd.Target
		app  *v1alpha1.Application
		objs []*unstructured.Unstructured
	}
	var before []built
	for _, tg := range repo.Targets {
		app, err := argoApplication(tg.App)
		if err != nil {
			return 0, err.Error()
		}
		objs, err := Build(t, app, tg.Source, root, kustomize, pluginOptions)
		if err != nil {
			continue // Argo CD refuses it: nothing is applied, nothing to compare
		}
		before = append(before, built{tg, app, objs})
	}
	opts := renderOptions(root, apps, engine.Render, d)
	res, err := engine.Plan(opts)
	var ue *engine.UsageError
	if errors.As(err, &ue) && strings.Contains(ue.Msg, "need different changes") {
		t.Logf("render refuses, as it should: %v", err)
		return 0, ""
	}
	if err != nil {
		return 0, "acrgen render: " + err.Error()
	}
	if p := problems(res, refused(repo, d)); p != "" {
		return 0, "acrgen render found problems:\n" + p
	}
	if res.Count(finding.Problem) > 0 {
		t.Logf("render refuses, as it should:\n%s", problems(res, nil))
		return 0, ""
	}
	if err := write(root, res); err != nil {
		return 0, "writing: " + err.Error()
	}
	var fails []string
	rendered := 0
	for _, b := range before {
		after, err := Build(t, b.app, b.tg.Source, root, kustomize, pluginOptions)
		if err != nil {
			fails = append(fails, fmt.Sprintf("%s: Argo CD built it before acrgen render, not after: %v", b.tg.App, err))
			continue
		}
		n, diffs := compareRender(t, b.objs, after)
		rendered += n
		for _, d := range diffs {
			fails = append(fails, fmt.Sprintf("%s: %s", b.tg.App, d))
		}
	}
	again, err := engine.Plan(opts)
	switch {
	case err != nil:
		fails = append(fails, "second render: "+err.Error())
	case len(again.Changes) > 0:
		var paths []string
		for _, c := range again.Changes {
			paths = append(paths, c.Path)
		}
		fails = append(fails, "a second render changes "+strings.Join(paths, ", "))
	}
	checked, err := engine.Plan(renderOptions(root, apps, engine.Check, d))
	if err != nil {
		fails = append(fails, "check after render: "+err.Error())
	} else if p := problems(checked, nil); p != "" {
		fails = append(fails, "check after render found problems:\n"+p)
	}
	return rendered, strings.Join(fails, "\n")
}

// refused reports whether a problem is one a render must report (and then writes nothing):
// about an Application with a directory source, with KSOPS, that nothing decrypts the Secret;
// with include or exclude patterns, that the source does not read the Secret's file; about a
// workload, that an Application's kustomize.patches set imagePullSecrets after acrgen's patch
// (and, the render writing nothing, that its namespace lacks the Secret).
func refused(repo *argocd.Repo, d judge.Decryptor) func(finding.Finding) bool {
	directory, filtered, patched := map[finding.Object]bool{}, map[finding.Object]bool{}, false
	for _, tg := range repo.Targets {
		src := tg.App.Spec.AllSources()[tg.Source]
		if tg.Type == argocd.DirectoryType {
			directory[tg.App.Object()] = d == judge.DecryptorKSOPS
			filtered[tg.App.Object()] = src.Directory != nil && (src.Directory.Include != "" || src.Directory.Exclude != "")
		}
		if src.Kustomize != nil {
			for _, p := range src.Kustomize.Patches {
				patched = patched || strings.Contains(p.Patch, "imagePullSecrets")
			}
		}
	}
	return func(f finding.Finding) bool {
		switch f.Code {
		case finding.ArgoDecryptionMissing:
			return directory[f.Object]
		case finding.ArgoSecretUnread:
			return filtered[f.Object]
		case finding.DeployerPatchOverrides, finding.SecretMissing:
			return patched
		}
		return false
	}
}

// renderOptions are the options of `acrgen render apps --registry ... --decryptor d` (or
// check) with the test credential and recipient.
func renderOptions(root, apps string, mode engine.Mode, d judge.Decryptor) engine.Options {
	o := engine.Options{
		Mode: mode, Dir: apps, Dirs: []string{apps}, SourceRoot: root, RepoURLs: []string{repoURL},
		Registries: []string{registry}, SecretName: secretName, Kinds: manifest.NewKinds(),
		Recipients: secret.Recipients{Age: []string{recipient}}, Encrypter: encrypt.SOPS{Top: root},
		Decryptor: d, Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) },
	}
	if mode == engine.Render {
		o.Credential = &secret.Credential{Username: username, Password: []byte(password)}
	}
	return o
}

// problems lists the problems of a result, one a line; "" for none. Argo CD's build failures
// are left out (Argo CD refuses those Applications before render as after), and so are those
// expected says are right (nil: none).
func problems(res *engine.Result, expected func(finding.Finding) bool) string {
	var b strings.Builder
	for _, f := range res.Findings {
		if f.Severity != finding.Problem || f.Code == finding.ArgoBuildFails || expected != nil && expected(f) {
			continue
		}
		fmt.Fprintf(&b, "  %s:%d: %s [%s]\n", f.File, f.Line, f.Message(), f.Code)
	}
	return b.String()
}

// write writes a planned render under the tree's lock, as the CLI does.
func write(root string, res *engine.Result) error {
	lk, err := tree.LockTree(root, true, "test")
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := lk.Allow(res.Roots); err != nil {
		return err
	}
	return engine.Write(context.Background(), lk, res)
}

// object is a built object, read with acrgen's manifest model.
type object struct {
	key string // Kind namespace/name
	res manifest.Resource
	ps  []manifest.PodSpec
}

func objects(t *testing.T, objs []*unstructured.Unstructured) map[string]*object {
	t.Helper()
	kinds := manifest.NewKinds()
	out := map[string]*object{}
	for _, o := range objs {
		b, err := sigsyaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		m, err := manifest.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Resources() {
			ps, err := kinds.PodSpecs(r)
			if err != nil {
				t.Fatal(err)
			}
			key := fmt.Sprintf("%s %s/%s", r.Kind, r.Namespace, r.Name)
			out[key] = &object{key: key, res: r, ps: ps}
		}
	}
	return out
}

// pulls reports whether a pod spec pulls an image from the registry.
func pulls(ps manifest.PodSpec) bool {
	for _, im := range ps.Images {
		if strings.EqualFold(manifest.ImageHost(im.Value), registry) {
			return true
		}
	}
	return false
}

// compareRender compares one Application's build before and after render; it returns how
// many workloads pull from the registry, and what differs from what render may change.
func compareRender(t *testing.T, before, after []*unstructured.Unstructured) (int, []string) {
	t.Helper()
	b, a := objects(t, before), objects(t, after)
	var diffs []string
	pullSecrets := map[string]bool{} // namespace/name of each pull Secret after render
	for key, o := range a {
		if _, ok := b[key]; ok {
			continue
		}
		if err := pullSecret(o.res); err != nil {
			diffs = append(diffs, fmt.Sprintf("render added %s, which is not a pull Secret with the credential: %v", key, err))
			continue
		}
		pullSecrets[o.res.Namespace+"/"+o.res.Name] = true
	}
	for key, o := range a {
		if _, ok := b[key]; ok && o.res.Kind == "Secret" && pullSecret(o.res) == nil {
			pullSecrets[o.res.Namespace+"/"+o.res.Name] = true
		}
	}
	pulling := 0
	var keys []string
	for key := range b {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		bo, ao := b[key], a[key]
		if ao == nil {
			diffs = append(diffs, "render removed "+key)
			continue
		}
		if len(bo.ps) != len(ao.ps) {
			diffs = append(diffs, fmt.Sprintf("%s: %d pod specs before render, %d after", key, len(bo.ps), len(ao.ps)))
			continue
		}
		for i := range bo.ps {
			was, is := bo.ps[i].SecretNames(), ao.ps[i].SecretNames()
			if !pulls(ao.ps[i]) {
				if fmt.Sprint(was) != fmt.Sprint(is) {
					diffs = append(diffs, fmt.Sprintf("%s %s pulls nothing from the registry, but its imagePullSecrets went from %v to %v", key, ao.ps[i].Path(), was, is))
				}
				continue
			}
			pulling++
			has := false
			for _, s := range is {
				has = has || pullSecrets[ao.res.Namespace+"/"+s]
			}
			if !has {
				diffs = append(diffs, fmt.Sprintf("%s %s pulls from the registry, but none of its imagePullSecrets %v is a pull Secret of namespace %q in the build", key, ao.ps[i].Path(), is, ao.res.Namespace))
			}
			added := strings.Join(is, ",") != strings.Join(was, ",")
			if added && (len(is) != len(was)+1 || strings.Join(is[:len(was)], ",") != strings.Join(was, ",")) {
				diffs = append(diffs, fmt.Sprintf("%s %s: imagePullSecrets went from %v to %v, not one entry appended", key, ao.ps[i].Path(), was, is))
			}
		}
		if bs, as := withoutPullSecrets(t, bo), withoutPullSecrets(t, ao); bs != as {
			diffs = append(diffs, fmt.Sprintf("%s changed beyond imagePullSecrets:\n--- before\n%s--- after\n%s", key, bs, as))
		}
	}
	return pulling, diffs
}

// pullSecret checks that r is a decrypted pull Secret holding the test credential for the
// registry, in kubectl's shape.
func pullSecret(r manifest.Resource) error {
	if r.Kind != "Secret" || r.APIVersion != "v1" {
		return fmt.Errorf("a %s", r.Kind)
	}
	if t := manifest.Scalar(manifest.MapValue(r.Node, "type")); t != "kubernetes.io/dockerconfigjson" {
		return fmt.Errorf("of type %q", t)
	}
	n := r.Node
	if manifest.MapValue(n, "sops") != nil {
		// Applied as it is: the decryptor that is not kustomize (--decryptor sops) decrypts
		// it, as sops does.
		var err error
		if n, err = sopsDecrypt(n); err != nil {
			return err
		}
	}
	raw, err := base64.StdEncoding.DecodeString(manifest.Scalar(manifest.MapValue(manifest.MapValue(n, "data"), ".dockerconfigjson")))
	if err != nil {
		return fmt.Errorf("data..dockerconfigjson: %v", err)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password, Auth string }
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return fmt.Errorf("data..dockerconfigjson: %v", err)
	}
	a, ok := cfg.Auths[registry]
	want := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	if !ok || a.Username != username || a.Password != password || a.Auth != want {
		return fmt.Errorf("no entry for %s with the credential", registry)
	}
	return nil
}

// sopsDecrypt decrypts an encrypted object with the real sops.
func sopsDecrypt(n *yaml.Node) (*yaml.Node, error) {
	var in bytes.Buffer
	if err := yaml.NewEncoder(&in).Encode(n); err != nil {
		return nil, err
	}
	// The build changed what the MAC covers (the namespace, a name prefix): that decryptor
	// decrypts the file before the build, where the MAC holds; each value's own tag (bound
	// to its path) still authenticates it here.
	cmd := exec.Command("sops", "decrypt", "--ignore-mac", "--input-type", "yaml", "--output-type", "yaml", "/dev/stdin")
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("sops cannot decrypt it: %v", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil || len(doc.Content) == 0 {
		return nil, fmt.Errorf("reading what sops decrypted: %v", err)
	}
	return doc.Content[0], nil
}

// withoutPullSecrets is the object as YAML, every pod spec's imagePullSecrets left out.
func withoutPullSecrets(t *testing.T, o *object) string {
	t.Helper()
	for _, ps := range o.ps {
		n := ps.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "imagePullSecrets" {
				n.Content = append(n.Content[:i:i], n.Content[i+2:]...)
				break
			}
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(o.res.Node); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
