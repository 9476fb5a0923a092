package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/judge"
)

const (
	argoRepo = "https://github.com/example/gitops.git"
	ksopsGen = "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: secrets\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ksops\nfiles:\n- other.enc.yaml\n"
)

// argoApp is an Application of argoRepo for path, into namespace dest, with the kustomize
// overrides kustomize (indented under kustomize:).
func argoApp(name, path, dest, kustomize string) string {
	s := "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name + "\n  namespace: argocd\nspec:\n  source:\n    repoURL: " + argoRepo + "\n    path: " + path + "\n"
	if kustomize != "" {
		s += "    kustomize:\n" + kustomize
	}
	return s + "  destination:\n    namespace: " + dest + "\n"
}

// argoTree is a repository whose Applications (in argocd/) move the base's app onto the
// registry with an images override, each into its own destination namespace.
func argoTree(t *testing.T, apps ...string) string {
	t.Helper()
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"base/kustomization.yaml": "resources:\n- app.yaml\n",
		"base/app.yaml":           "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: app:1\n",
		"argocd/apps.yaml":        strings.Join(apps, ""),
	})
	return dir
}

func argoOpts(dir string, enc *fakeEncrypter) engine.Options {
	o := renderOpts(filepath.Join(dir, "argocd"), enc)
	o.SourceRoot, o.RepoURLs = dir, []string{argoRepo}
	return o
}

func codes(res *engine.Result, s finding.Severity) []finding.Code {
	var out []finding.Code
	for _, f := range res.Findings {
		if f.Severity == s {
			out = append(out, f.Code)
		}
	}
	return out
}

// An Application's images override moves the workload onto the registry: check finds it; the
// encrypted Secret would reach Argo CD undecrypted without KSOPS (a problem, render refuses);
// with --decryptor ksops render writes the Secret without a namespace (the destination gives
// it, as it gives the workload's), lists it in a new KSOPS generator, and a second run and
// check find nothing.
func TestArgoApplicationsAreFollowed(t *testing.T) {
	dir := argoTree(t, argoApp("web", "base", "shop", "      images:\n      - app=myregistry.azurecr.io/app:2\n"))
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}

	opts := argoOpts(dir, enc)
	opts.Mode = engine.Check
	res, err := engine.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := codes(res, finding.Problem); !slices.Contains(got, finding.PullSecretMissing) || !slices.Contains(got, finding.ArgoDecryptionMissing) {
		t.Fatalf("check: want the workload and the missing decryption named, got %v", res.Findings)
	}

	res, err = engine.Plan(argoOpts(dir, enc))
	if err != nil || !hasProblem(res, filepath.Join(dir, "argocd", "apps.yaml"), "where nothing decrypts it: Argo CD would apply the ciphertext") || len(res.Changes) != 0 && res.Count(finding.Problem) == 0 {
		t.Fatalf("render without KSOPS: want the refusal, got %v, %v", err, res.Findings)
	}

	opts = argoOpts(dir, enc)
	opts.Decryptor = judge.DecryptorKSOPS
	res, err = engine.Plan(opts)
	if err != nil || res.Count(finding.Problem) > 0 {
		t.Fatalf("render --decryptor ksops: %v, %v", err, res.Findings)
	}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	secret, err := os.ReadFile(filepath.Join(dir, "base", "acr-secret.enc.yaml"))
	if err != nil || strings.Contains(string(secret), "namespace:") {
		t.Fatalf("want base/acr-secret.enc.yaml without a namespace: %v\n%s", err, secret)
	}
	gen, _ := os.ReadFile(filepath.Join(dir, "base", "acr-secret.ksops.yaml"))
	kus, _ := os.ReadFile(filepath.Join(dir, "base", "kustomization.yaml"))
	if !strings.Contains(string(gen), "kind: ksops") || !strings.Contains(string(gen), "- acr-secret.enc.yaml") || !strings.Contains(string(kus), "generators:\n- acr-secret.ksops.yaml") || strings.Contains(string(kus), "- acr-secret.enc.yaml") {
		t.Fatalf("want the Secret in a new KSOPS generator, not under resources:\n%s\n%s", kus, gen)
	}

	res, err = engine.Plan(opts)
	if err != nil || len(res.Changes) != 0 {
		t.Fatalf("second render: %v, %d changes", err, len(res.Changes))
	}
	opts.Mode, opts.Decryptor = engine.Check, judge.DecryptorAuto // the generator decides now
	res, err = engine.Plan(opts)
	if err != nil || res.Count(finding.Problem) > 0 {
		t.Fatalf("check after render: %v, %v", err, res.Findings)
	}
}

// Twenty Applications over one directory, each into its own namespace, make one run whose
// changes agree: one Secret without a namespace serves them all.
func TestManyApplicationsOverOneDirectory(t *testing.T) {
	var apps []string
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t"} {
		apps = append(apps, argoApp("web-"+n, "base", "tenant-"+n, "      images:\n      - app=myregistry.azurecr.io/app-"+n+":1\n"))
	}
	dir := argoTree(t, apps...)
	opts := argoOpts(dir, &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}})
	opts.Decryptor = judge.DecryptorKSOPS
	res, err := engine.Plan(opts)
	if err != nil || res.Count(finding.Problem) > 0 {
		t.Fatalf("%v, %v", err, res.Findings)
	}
	var files []string
	for _, c := range res.Changes {
		files = append(files, filepath.Base(c.Path))
	}
	if strings.Join(files, " ") != "acr-secret.enc.yaml acr-secret.ksops.yaml app.yaml kustomization.yaml" {
		t.Fatalf("changes: %v", files)
	}
	missing := 0
	for _, f := range res.Findings {
		if f.Code == finding.SecretMissing {
			missing++
		}
	}
	if missing != 20 {
		t.Errorf("want the Secret reported once per Application's namespace, got %d", missing)
	}
}

// What makes Argo CD's build fail is a problem for check (acrgen cannot say what it applies),
// a warning for render, which writes nothing for that Application.
func TestArgoBuildFailures(t *testing.T) {
	dir := argoTree(t, argoApp("web", "base", "shop", "      components:\n      - ../missing\n      images:\n      - app=myregistry.azurecr.io/app:2\n"))
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	opts := argoOpts(dir, enc)
	opts.Mode = engine.Check
	res, err := engine.Plan(opts)
	if err != nil || !hasProblem(res, filepath.Join(dir, "argocd", "apps.yaml"), "component ../missing: no such file or directory: Argo CD's build fails") {
		t.Fatalf("check: %v, %v", err, res.Findings)
	}
	res, err = engine.Plan(argoOpts(dir, enc))
	if err != nil || res.Count(finding.Problem) > 0 || len(res.Changes) > 0 || !slices.Contains(codes(res, finding.Warning), finding.ArgoBuildFails) {
		t.Fatalf("render: %v, %v, %d changes", err, res.Findings, len(res.Changes))
	}
}

// In a tree whose kustomization lists a KSOPS generator: render adds the Secret's file to it,
// keeping what it lists; check fails on a Secret listed under resources: and on one nothing
// lists; --decryptor ksops on a Flux Kustomization is refused.
func TestKSOPSPlacement(t *testing.T) {
	dir := fakeTree(t)
	testtool.WriteTree(t, dir, map[string]string{
		"kustomization.yaml":    "resources:\n- pod.yaml\ngenerators:\n- secret-generator.yaml\n",
		"secret-generator.yaml": ksopsGen,
		"other.enc.yaml":        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: apps\nstringData:\n  password: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n" + fakeSops,
	})
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	res, err := engine.Plan(renderOpts(dir, enc))
	if err != nil || res.Count(finding.Problem) > 0 {
		t.Fatalf("render: %v, %v", err, res.Findings)
	}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	gen, _ := os.ReadFile(filepath.Join(dir, "secret-generator.yaml"))
	if want := ksopsGen + "- acr-secret.apps.enc.yaml\n"; string(gen) != want {
		t.Fatalf("the generator:\n%s\nwant\n%s", gen, want)
	}
	check := renderOpts(dir, enc)
	check.Mode = engine.Check
	if res, err := engine.Plan(check); err != nil || res.Count(finding.Problem) > 0 {
		t.Fatalf("check after render: %v, %v", err, res.Findings)
	}

	// Listed under resources instead: kustomize would pass it through encrypted.
	testtool.WriteTree(t, dir, map[string]string{
		"kustomization.yaml":    "resources:\n- pod.yaml\n- acr-secret.apps.enc.yaml\ngenerators:\n- secret-generator.yaml\n",
		"secret-generator.yaml": ksopsGen,
	})
	res, err = engine.Plan(check)
	if err != nil || !hasProblem(res, filepath.Join(dir, "acr-secret.apps.enc.yaml"), "is listed under resources of") {
		t.Fatalf("check, Secret under resources: %v, %v", err, res.Findings)
	}
	// Listed nowhere: the build leaves it out.
	testtool.WriteTree(t, dir, map[string]string{"kustomization.yaml": "resources:\n- pod.yaml\ngenerators:\n- secret-generator.yaml\n"})
	res, err = engine.Plan(check)
	if err != nil || !hasProblem(res, filepath.Join(dir, "kustomization.yaml"), "acr-secret.apps.enc.yaml is not listed in the files: of a KSOPS generator (") {
		t.Fatalf("check, Secret listed nowhere: %v, %v", err, res.Findings)
	}

	flux := t.TempDir()
	testtool.WriteTree(t, flux, map[string]string{
		".git/HEAD":               "ref: refs/heads/main\n",
		"clusters/apps.yaml":      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  path: ./apps\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
		"apps/kustomization.yaml": "resources:\n- pod.yaml\n",
		"apps/pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: apps\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n",
	})
	opts := renderOpts(filepath.Join(flux, "clusters"), enc)
	opts.Decryptor = judge.DecryptorKSOPS
	_, err = engine.Plan(opts)
	var ue *engine.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "kustomize-controller runs no kustomize plugin") {
		t.Fatalf("--decryptor ksops on Flux: want a usage error, got %v", err)
	}
}

// A directory of Applications beside the Helm chart one of them applies (a common layout) is
// followed: the chart is named in a warning, not read as manifests, which its templates are
// not.
func TestApplicationsBesideAChart(t *testing.T) {
	dir := argoTree(t, argoApp("web", "base", "shop", "      images:\n      - app=myregistry.azurecr.io/app:2\n"),
		"---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: chart\n  namespace: argocd\nspec:\n  source:\n    repoURL: "+argoRepo+"\n    path: argocd/chart\n  destination:\n    namespace: web\n")
	testtool.WriteTree(t, dir, map[string]string{
		"argocd/chart/Chart.yaml":                "apiVersion: v2\nname: web\nversion: 0.1.0\n",
		"argocd/chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
	})
	opts := argoOpts(dir, &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}})
	opts.Mode = engine.Check
	res, err := engine.Plan(opts)
	if err != nil || !slices.Contains(codes(res, finding.Warning), finding.ArgoHelmSource) || !slices.Contains(codes(res, finding.Problem), finding.PullSecretMissing) {
		t.Fatalf("want the chart named and the other Application checked, got %v, %v", err, res)
	}
}
