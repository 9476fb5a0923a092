package fn_test

import (
	"bytes"
	"debug/elf"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/fn"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// exampleRecipient is the throwaway age recipient of examples/ and functions.yaml; the tests
// swap it for the test key's so that they can decrypt.
const exampleRecipient = "age1tx96jkhar65v2mj9eh80p9yx6pe2p70xdkzn4yhsukm5fv64w5xsfsc3x9"

type result struct {
	stdout, stderr string
	code           int
}

// runTool runs a command in dir; it fails the test only when the command cannot start.
func runTool(t *testing.T, dir string, env []string, stdin string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", name, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

func mustRun(t *testing.T, dir string, env []string, stdin string, name string, args ...string) string {
	t.Helper()
	r := runTool(t, dir, env, stdin, name, args...)
	if r.code != 0 {
		t.Fatalf("%s %s: exit %d\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// copyExamples copies examples/fn into a temporary directory, with the test recipient instead
// of the throwaway one.
func copyExamples(t *testing.T) string {
	t.Helper()
	src := filepath.Join(testtool.RepoRoot(t), "examples", "fn")
	dst := filepath.Join(t.TempDir(), "fn")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, bytes.ReplaceAll(b, []byte(exampleRecipient), []byte(testRecipient)), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// snapshot reads every file below dir; a symlink or a FIFO is recorded by its type.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			files[rel] = d.Type().String()
			return nil
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// parseAll reads a multi-document stream without adding reader annotations.
func parseAll(t *testing.T, s string) []*yaml.RNode {
	t.Helper()
	nodes, err := (&kio.ByteReader{Reader: strings.NewReader(s), OmitReaderAnnotations: true}).Read()
	if err != nil {
		t.Fatalf("parsing: %v\n%s", err, s)
	}
	return nodes
}

func find(nodes []*yaml.RNode, kind, name string) *yaml.RNode {
	for _, n := range nodes {
		if n.GetKind() == kind && n.GetName() == name {
			return n
		}
	}
	return nil
}

// pullSecrets returns the imagePullSecrets names at a pod spec path.
func pullSecrets(t *testing.T, n *yaml.RNode, path ...string) []string {
	t.Helper()
	if n == nil {
		t.Fatal("missing resource")
	}
	list, err := n.Pipe(yaml.Lookup(append(path, "imagePullSecrets")...))
	if err != nil {
		t.Fatal(err)
	}
	if list == nil {
		return nil
	}
	var names []string
	for _, e := range list.YNode().Content {
		for i := 0; i+1 < len(e.Content); i += 2 {
			if e.Content[i].Value == "name" {
				names = append(names, e.Content[i+1].Value)
			}
		}
	}
	return names
}

// sopsDecrypt decrypts an encrypted Secret with the real sops binary, from a file (as a user
// or Flux's sops would), and checks it holds the test credential for the registries.
func sopsDecrypt(t *testing.T, doc []byte, name, namespace string, servers ...string) {
	t.Helper()
	sops := testtool.Path(t, "sops")
	f := filepath.Join(t.TempDir(), "secret.enc.yaml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	plain := mustRun(t, t.TempDir(), toolEnv(t), "", sops, "-d", f)
	checkPlainSecret(t, plain, name, namespace, servers...)
}

func checkPlainSecret(t *testing.T, plain, name, namespace string, servers ...string) {
	t.Helper()
	p, err := yaml.Parse(plain)
	if err != nil {
		t.Fatal(err)
	}
	if p.GetName() != name || p.GetNamespace() != namespace {
		t.Errorf("decrypted Secret is %s/%s, want %s/%s", p.GetNamespace(), p.GetName(), namespace, name)
	}
	want, err := secret.DockerConfigJSON(servers, secret.Credential{Username: testUsername, Password: []byte(testPassword)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := base64.StdEncoding.DecodeString(p.GetDataMap()[".dockerconfigjson"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("decrypted .dockerconfigjson is not the test credential for %v", servers)
	}
}

func secretDoc(t *testing.T, n *yaml.RNode) []byte {
	t.Helper()
	if n == nil {
		t.Fatal("no Secret in the output")
	}
	if sopsMAC(n) == "" {
		t.Fatal("the Secret is not sops-encrypted")
	}
	return []byte(n.MustString())
}

// TestStaticBinaryAndDockerfile builds acrgen as the Dockerfile does, checks the result is a
// static executable, and runs it the way the image's entrypoint would: `/acrgen fn` with a
// ResourceList on stdin, an environment holding only what kustomize passes (envs:), and a
// working directory without any .sops.yaml.
func TestStaticBinaryAndDockerfile(t *testing.T) {
	df, err := os.ReadFile(filepath.Join(testtool.RepoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range []string{
		`(?m)^#   CGO_ENABLED=0 go build .* -o bin/acrgen \./cmd/acrgen$`,
		`(?m)^COPY bin/acrgen /acrgen$`,
		`(?m)^FROM scratch$`,
		`(?m)^USER 65532:65532$`,
		`(?m)^ENTRYPOINT \["/acrgen", "fn"\]$`,
	} {
		if !regexp.MustCompile(re).Match(df) {
			t.Errorf("Dockerfile does not match %s", re)
		}
	}
	if froms := regexp.MustCompile(`(?m)^FROM `).FindAll(df, -1); len(froms) != 1 {
		t.Errorf("Dockerfile has %d stages, want one: the binary built outside, on scratch", len(froms))
	}

	bin := acrgenBin(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %v program header: it is not static", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}

	cfg := strings.ReplaceAll(mustRead(t, filepath.Join("testdata", "kind-deployment", "config.yaml")), "env:ACRGEN_TEST_PASSWORD", "env:ACRGEN_PASSWORD")
	in := resourceList(t, mustRead(t, filepath.Join("testdata", "kind-deployment", "input.yaml")), cfg)
	cmd := exec.Command(bin, "fn")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{"HOME=/home/nonroot", "ACRGEN_PASSWORD=" + testPassword}
	cmd.Stdin = strings.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("acrgen fn: %v\n%s", err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
	out := items(t, stdout.String())
	if got := pullSecrets(t, find(out, "Deployment", "pulls"), "spec", "template", "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("imagePullSecrets = %v", got)
	}
	useTestKey(t)
	sec := find(out, "Secret", "acr-secret")
	plain, err := encrypt.Decrypt(stripOrchestratorAnnotations(t, sec))
	if err != nil {
		t.Fatal(err)
	}
	checkPlainSecret(t, string(plain), "acr-secret", "apps", "myregistry.azurecr.io")
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// resourceList makes a ResourceList of a ResourceList's items (or a multi-document stream)
// and a functionConfig.
func resourceList(t *testing.T, itemsYAML, config string) string {
	t.Helper()
	var nodes []*yaml.RNode
	if strings.Contains(itemsYAML, "kind: ResourceList") {
		nodes = items(t, itemsYAML)
	} else {
		nodes = parseAll(t, itemsYAML)
	}
	var b bytes.Buffer
	fc, err := yaml.Parse(config)
	if err != nil {
		t.Fatal(err)
	}
	w := kio.ByteWriter{Writer: &b, WrappingKind: kio.ResourceListKind, WrappingAPIVersion: kio.ResourceListAPIVersion, FunctionConfig: fc, KeepReaderAnnotations: true}
	if err := w.Write(nodes); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestFunctionsYAML parses the declarations users copy and runs the exec one with kustomize.
func TestFunctionsYAML(t *testing.T) {
	kustomize := testtool.Path(t, "kustomize")
	docs := parseAll(t, mustRead(t, filepath.Join(testtool.RepoRoot(t), "functions.yaml")))
	var exec, container *yaml.RNode
	var kptfile *yaml.RNode
	for _, d := range docs {
		switch d.GetKind() {
		case fn.Kind:
			if d.GetApiVersion() != fn.APIVersion {
				t.Errorf("%s has apiVersion %s", fn.Kind, d.GetApiVersion())
			}
			if _, res := fn.DecodeConfig(d); len(res) > 0 {
				t.Errorf("functions.yaml: %v", res)
			}
			spec, err := runtimeutil.GetFunctionSpec(d)
			if err != nil || spec == nil {
				t.Fatalf("functions.yaml: %s without a function annotation (%v)", d.GetName(), err)
			}
			switch {
			case spec.Exec.Path != "":
				exec = d
				if spec.Exec.Path != "acrgen" || !cmp.Equal(spec.Exec.Args, []string{"fn"}) {
					t.Errorf("exec declaration runs %q %v, want acrgen [fn]", spec.Exec.Path, spec.Exec.Args)
				}
			case spec.Container.Image != "":
				container = d
				if !strings.Contains(spec.Container.Image, "/acrgen:") || !cmp.Equal(spec.Container.Env, []string{"ACRGEN_PASSWORD"}) {
					t.Errorf("container declaration: image %q, envs %v", spec.Container.Image, spec.Container.Env)
				}
			}
		case "Kptfile":
			kptfile = d
		}
	}
	if exec == nil || container == nil || kptfile == nil {
		t.Fatalf("functions.yaml: want an exec and a container %s and a Kptfile", fn.Kind)
	}
	step, err := kptfile.Pipe(yaml.Lookup("pipeline", "mutators", "0", "exec"))
	if err != nil || step == nil || step.YNode().Value != "acrgen fn" {
		t.Errorf("the Kptfile's first mutator is not exec: acrgen fn")
	}

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "acr-pull-secret.yaml"), exec.MustString())
	writeFile(t, filepath.Join(dir, "kustomization.yaml"), "resources: [deployment.yaml]\ntransformers: [acr-pull-secret.yaml]\n")
	writeFile(t, filepath.Join(dir, "deployment.yaml"), `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: apps}
spec:
  template:
    spec:
      containers: [{name: main, image: myregistry.azurecr.io/web:1}]
`)
	out := parseAll(t, mustRun(t, dir, toolEnv(t, "ACRGEN_PASSWORD="+testPassword), "", kustomize, "build", "--enable-alpha-plugins", "--enable-exec", "."))
	if got := pullSecrets(t, find(out, "Deployment", "web"), "spec", "template", "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("imagePullSecrets = %v", got)
	}
	sec := find(out, "Secret", "acr-secret")
	if r, _ := sec.Pipe(yaml.Lookup("sops", "age", "0", "recipient")); r == nil || r.YNode().Value != exampleRecipient {
		t.Errorf("the Secret is not encrypted for the recipient of functions.yaml")
	}
}

// TestKustomizeTransformer runs examples/fn/kustomize/transformer with the real kustomize.
func TestKustomizeTransformer(t *testing.T) {
	kustomize := testtool.Path(t, "kustomize")
	dir := filepath.Join(copyExamples(t), "kustomize", "transformer")
	out := parseAll(t, mustRun(t, dir, toolEnv(t, "ACRGEN_PASSWORD="+testPassword), "", kustomize, "build", "--enable-alpha-plugins", "--enable-exec", "."))
	if got := pullSecrets(t, find(out, "Deployment", "my-awesome-app"), "spec", "template", "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("Deployment imagePullSecrets = %v (the images: transformer points it at the registry)", got)
	}
	if got := pullSecrets(t, find(out, "CronJob", "nightly-report"), "spec", "jobTemplate", "spec", "template", "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("CronJob nightly-report imagePullSecrets = %v", got)
	}
	if got := pullSecrets(t, find(out, "CronJob", "cleanup"), "spec", "jobTemplate", "spec", "template", "spec"); got != nil {
		t.Errorf("CronJob cleanup (public images) got imagePullSecrets %v", got)
	}
	sec := find(out, "Secret", "acr-secret")
	if sec.GetNamespace() != "awesomeapps" {
		t.Errorf("Secret namespace %q", sec.GetNamespace())
	}
	// kustomize sorted the keys; .sops.yaml's mac_only_encrypted keeps sops -d working.
	sopsDecrypt(t, secretDoc(t, sec), "acr-secret", "awesomeapps", "myregistry.azurecr.io")
}

// TestKustomizeGenerator runs examples/fn/kustomize/generator: the same config as generator
// and transformer gives one Secret (namespace set by kustomize) and patched workloads.
func TestKustomizeGenerator(t *testing.T) {
	kustomize := testtool.Path(t, "kustomize")
	dir := filepath.Join(copyExamples(t), "kustomize", "generator")
	out := parseAll(t, mustRun(t, dir, toolEnv(t, "ACRGEN_PASSWORD="+testPassword), "", kustomize, "build", "--enable-alpha-plugins", "--enable-exec", "."))
	if got := pullSecrets(t, find(out, "Pod", "my-awesome-app-pod"), "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("Pod imagePullSecrets = %v", got)
	}
	n := 0
	for _, o := range out {
		if o.GetKind() == "Secret" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d Secrets in the output, want 1", n)
	}
	sopsDecrypt(t, secretDoc(t, find(out, "Secret", "acr-secret")), "acr-secret", "awesomeapps", "myregistry.azurecr.io")
}

// TestKustomizeFailsOnErrorResult: without the password the function has an error result and
// exits 1; kustomize fails and shows the message.
func TestKustomizeFailsOnErrorResult(t *testing.T) {
	kustomize := testtool.Path(t, "kustomize")
	dir := filepath.Join(copyExamples(t), "kustomize", "transformer")
	r := runTool(t, dir, toolEnv(t), "", kustomize, "build", "--enable-alpha-plugins", "--enable-exec", ".")
	if r.code == 0 {
		t.Fatalf("kustomize build succeeded without the password:\n%s", r.stdout)
	}
	for _, want := range []string{"acrgen: error:", "ACRGEN_PASSWORD", "namespace awesomeapps"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestKptEval runs `kpt fn eval --exec` with --fn-config on a copy of examples/fn/kpt.
func TestKptEval(t *testing.T) {
	kpt := testtool.Path(t, "kpt")
	pkg := filepath.Join(copyExamples(t), "kpt")
	before := snapshot(t, pkg)
	eval := func(env []string) {
		mustRun(t, pkg, env, "", kpt, "fn", "eval", pkg, "--exec", acrgenBin(t)+" fn", "--fn-config", filepath.Join(pkg, "acr-pull-secret.yaml"))
	}
	eval(toolEnv(t, "ACRGEN_PASSWORD="+testPassword))
	checkKptPackage(t, pkg, before)
	first := snapshot(t, pkg)
	eval(toolEnv(t)) // no password needed any more
	if diff := cmp.Diff(first, snapshot(t, pkg)); diff != "" {
		t.Errorf("the second kpt fn eval changed the package (-first +second):\n%s", diff)
	}
}

// TestKptEvalConfigMap passes the settings as `kpt fn eval -- key=value`, which kpt turns into
// a ConfigMap functionConfig.
func TestKptEvalConfigMap(t *testing.T) {
	kpt := testtool.Path(t, "kpt")
	pkg := filepath.Join(copyExamples(t), "kpt")
	before := snapshot(t, pkg)
	mustRun(t, pkg, toolEnv(t, "ACRGEN_PASSWORD="+testPassword), "", kpt, "fn", "eval", pkg, "--exec", acrgenBin(t)+" fn", "--",
		"registries=myregistry", "age="+testRecipient, "username="+testUsername, "passwordFrom=env:ACRGEN_PASSWORD")
	checkKptPackage(t, pkg, before)
}

// TestKptRender runs the Kptfile pipeline of examples/fn/kpt with `kpt fn render --allow-exec`.
func TestKptRender(t *testing.T) {
	kpt := testtool.Path(t, "kpt")
	pkg := filepath.Join(copyExamples(t), "kpt")
	before := snapshot(t, pkg)
	results := t.TempDir()
	mustRun(t, pkg, toolEnv(t, "ACRGEN_PASSWORD="+testPassword), "", kpt, "fn", "render", pkg, "--allow-exec", "--results-dir", results)
	checkKptPackage(t, pkg, before)
	res := mustRead(t, filepath.Join(results, "results.yaml"))
	for _, want := range []string{"exitCode: 0", "adding imagePullSecrets acr-secret", "new encrypted Secret acr-secret", "2 workload(s) patched"} {
		if !strings.Contains(res, want) {
			t.Errorf("results.yaml lacks %q:\n%s", want, res)
		}
	}
	first := snapshot(t, pkg)
	mustRun(t, pkg, toolEnv(t), "", kpt, "fn", "render", pkg, "--allow-exec")
	if diff := cmp.Diff(first, snapshot(t, pkg)); diff != "" {
		t.Errorf("the second kpt fn render changed the package (-first +second):\n%s", diff)
	}
}

// TestKptRenderFailsOnErrorResult: an error result fails the pipeline and kpt writes nothing.
func TestKptRenderFailsOnErrorResult(t *testing.T) {
	kpt := testtool.Path(t, "kpt")
	pkg := filepath.Join(copyExamples(t), "kpt")
	before := snapshot(t, pkg)
	r := runTool(t, pkg, toolEnv(t), "", kpt, "fn", "render", pkg, "--allow-exec")
	if r.code == 0 {
		t.Fatal("kpt fn render succeeded without the password")
	}
	if !strings.Contains(r.stdout+r.stderr, "acrgen: error:") {
		t.Errorf("kpt did not show acrgen's error:\n%s%s", r.stdout, r.stderr)
	}
	if diff := cmp.Diff(before, snapshot(t, pkg)); diff != "" {
		t.Errorf("the failed render changed the package:\n%s", diff)
	}
}

// checkKptPackage: the workloads are patched in place (every file stays where it was, so the
// path annotations survived the function), a Secret file was added and decrypts with sops, and
// nothing else changed.
func checkKptPackage(t *testing.T, pkg string, before map[string]string) {
	t.Helper()
	after := snapshot(t, pkg)
	var added []string
	for f := range after {
		if _, ok := before[f]; !ok {
			added = append(added, f)
		}
	}
	sort.Strings(added)
	if !cmp.Equal(added, []string{"acr-secret.awesomeapps.enc.yaml"}) {
		t.Errorf("new files %v, want the Secret's only", added)
	}
	for f := range before {
		if _, ok := after[f]; !ok {
			t.Errorf("%s was removed", f)
		}
	}
	for _, f := range []string{"Kptfile", "acr-pull-secret.yaml"} {
		if before[f] != after[f] {
			t.Errorf("%s changed:\n%s", f, cmp.Diff(before[f], after[f]))
		}
	}
	dep := parseAll(t, after["deployment.yaml"])
	if got := pullSecrets(t, find(dep, "Deployment", "my-awesome-app"), "spec", "template", "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("Deployment imagePullSecrets = %v", got)
	}
	if svc := find(dep, "Service", "my-awesome-app"); svc == nil {
		t.Error("the Service in deployment.yaml is gone")
	}
	if !strings.HasPrefix(after["deployment.yaml"], "# The application, pulling from the registry.\n") {
		t.Error("deployment.yaml lost its comment")
	}
	worker := parseAll(t, after["worker.yaml"])
	if got := pullSecrets(t, find(worker, "CronJob", "nightly-report"), "spec", "jobTemplate", "spec", "template", "spec"); !cmp.Equal(got, []string{"acr-secret"}) {
		t.Errorf("CronJob imagePullSecrets = %v", got)
	}
	secret := after["acr-secret.awesomeapps.enc.yaml"]
	if strings.Contains(secret, "config.kubernetes.io") {
		t.Errorf("kpt kept orchestrator annotations in the Secret file:\n%s", secret)
	}
	sopsDecrypt(t, []byte(secret), "acr-secret", "awesomeapps", "myregistry.azurecr.io")
}

// TestBinaryExitCodes: error results exit 1 with the errors on stderr; bad invocations exit 2
// with their error on stderr.
func TestBinaryExitCodes(t *testing.T) {
	bin := acrgenBin(t)
	env := toolEnv(t)
	cfg := mustRead(t, filepath.Join("testdata", "missing-credential", "config.yaml"))
	in := resourceList(t, mustRead(t, filepath.Join("testdata", "missing-credential", "input.yaml")), cfg)
	for _, tc := range []struct {
		name, stdin string
		args        []string
		code        int
		stderr      []string
	}{
		{"error result", in, []string{"fn"}, 1, []string{"acrgen: error: ACRPullSecret acr-pull-secret: spec.passwordFrom: no Secret acr-secret in namespace web, where workloads pull from myregistry.azurecr.io", "acrgen: error: fn: 3 error result(s)"}},
		{"bad config", resourceList(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", "apiVersion: acrgen.dev/v1alpha1\nkind: ACRPullSecret\nmetadata: {name: c}\nspec: {registries: [r], password: x}\n"), []string{"fn"}, 1, []string{"acrgen: error: ACRPullSecret c: spec.password: an inline password is not accepted"}},
		{"argument", in, []string{"fn", "config.yaml"}, 2, []string{`acrgen: error: fn takes no arguments, got "config.yaml"`}},
		{"malformed input", "items: [\n", []string{"fn"}, 2, []string{"acrgen: error:", "ResourceList"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runTool(t, t.TempDir(), env, tc.stdin, bin, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstderr:\n%s", r.code, tc.code, r.stderr)
			}
			for _, want := range tc.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
			if strings.Contains(r.stderr+r.stdout, testPassword) {
				t.Error("the password shows in the output")
			}
		})
	}
}

// TestAgreesWithRender: `acrgen render` on a directory and `acrgen fn` on the same resources
// with the same options give the same resources: identical workloads, and Secrets with the
// same plaintext. Then the function keeps the Secrets render wrote, byte for byte. Both take
// their decisions from judge.Decide (its table is render's TestDecide); this is the
// end-to-end check that the two front ends gather and apply them alike.
func TestAgreesWithRender(t *testing.T) {
	bin := acrgenBin(t)
	env := toolEnv(t, "ACRGEN_PASSWORD="+testPassword)
	dir := t.TempDir()
	manifests := map[string]string{
		"apps.yaml": `# apps
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
spec:
  template:
    spec:
      containers:
        - name: main
          image: myregistry.azurecr.io/web:1
      imagePullSecrets:
        - name: other
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: apps
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: otherregistry.azurecr.io/report:2
`,
		"web.yaml": `apiVersion: v1
kind: Pod
metadata:
  name: pod
  namespace: web
spec:
  initContainers:
    - name: init
      image: myregistry.azurecr.io/init@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
  containers:
    - name: main
      image: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: public
  namespace: web
spec:
  template:
    spec:
      containers:
        - name: main
          image: docker.io/library/postgres:17
`,
		"nons.yaml": `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers: [{name: agent, image: "myregistry.azurecr.io/agent:3"}]
`,
	}
	var stream []string
	for _, f := range []string{"apps.yaml", "web.yaml", "nons.yaml"} {
		writeFile(t, filepath.Join(dir, f), manifests[f])
		stream = append(stream, manifests[f])
	}

	mustRun(t, dir, env, "", bin, "render", "--registry", "myregistry", "--registry", "otherregistry.azurecr.io",
		"--age", testRecipient, "--username", testUsername, "--expires", "2027-01-31", ".")
	cli := map[string]*yaml.RNode{}
	for f, content := range snapshot(t, dir) {
		for _, n := range parseAll(t, content) {
			if n.GetKind() == "Secret" && !strings.HasSuffix(f, ".enc.yaml") {
				t.Errorf("render wrote Secret %s to %s", n.GetName(), f)
			}
			cli[idOf(n)] = n
		}
	}

	config := "apiVersion: acrgen.dev/v1alpha1\nkind: ACRPullSecret\nmetadata: {name: same-options}\nspec:\n" +
		"  registries: [myregistry, otherregistry.azurecr.io]\n  age: [" + testRecipient + "]\n" +
		"  username: " + testUsername + "\n  passwordFrom: env:ACRGEN_PASSWORD\n  expires: 2027-01-31\n"
	out := mustRun(t, t.TempDir(), env, resourceList(t, strings.Join(stream, "---\n"), config), bin, "fn")
	fnOut := map[string]*yaml.RNode{}
	for _, n := range items(t, out) {
		fnOut[idOf(n)] = n
	}

	useTestKey(t)
	if diff := cmp.Diff(sortedIDs(cli), sortedIDs(fnOut)); diff != "" {
		t.Fatalf("render and fn give different resources (-render +fn):\n%s", diff)
	}
	for id, c := range cli {
		f := fnOut[id]
		if c.GetKind() == "Secret" {
			a, err := encrypt.Decrypt([]byte(c.MustString()))
			if err != nil {
				t.Fatal(err)
			}
			b, err := encrypt.Decrypt(stripOrchestratorAnnotations(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(asMap(t, string(a)), asMap(t, string(b))); diff != "" {
				t.Errorf("%s: the decrypted Secrets differ (-render +fn):\n%s", id, diff)
			}
			continue
		}
		if diff := cmp.Diff(asMap(t, c.MustString()), asMap(t, string(stripOrchestratorAnnotations(t, f)))); diff != "" {
			t.Errorf("%s differs (-render +fn):\n%s", id, diff)
		}
	}

	// The function on what render wrote: nothing to do, the Secrets pass through unchanged.
	var rendered []string
	for f, content := range snapshot(t, dir) {
		if strings.HasSuffix(f, ".yaml") {
			rendered = append(rendered, content)
		}
	}
	again := mustRun(t, t.TempDir(), toolEnv(t), resourceList(t, strings.Join(rendered, "\n---\n"), config), bin, "fn")
	for _, n := range items(t, again) {
		if c := cli[idOf(n)]; n.GetKind() == "Secret" && (c == nil || c.MustString() != n.MustString()) {
			t.Errorf("the function changed %s that render wrote", idOf(n))
		}
	}
	if !strings.Contains(again, "0 workload(s) patched") || !strings.Contains(again, "0 created, 0 replaced, 3 kept") {
		t.Errorf("the function found work on render's output:\n%s", again[strings.Index(again, "results:"):])
	}
}

func sortedIDs(m map[string]*yaml.RNode) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func asMap(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
