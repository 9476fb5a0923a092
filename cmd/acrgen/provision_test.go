package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/google/go-cmp/cmp"
)

// acrgenBinary is the real binary: provisioning is tested the way users run it, in its own
// process, with the Azure SDK trusting the emulator through SSL_CERT_FILE. testtool.Acrgen
// builds it once for the sources.
func acrgenBinary(t *testing.T) string { return testtool.Acrgen(t) }

type procResult struct {
	code           int
	stdout, stderr string
}

func runBinary(t *testing.T, env []string, dir string, args ...string) procResult {
	t.Helper()
	cmd := exec.Command(acrgenBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return procResult{code: code, stdout: out.String(), stderr: errb.String()}
}

// acrgenPasswords returns the secrets of the passwords acrgen made on the emulated app.
func acrgenPasswords(srv *fakeazure.Server, displayName string) (appID string, secrets []string) {
	for _, a := range srv.Applications() {
		if a.DisplayName != displayName {
			continue
		}
		appID = a.AppID
		for _, p := range a.Passwords {
			if p.DisplayName == "acrgen" {
				secrets = append(secrets, p.Secret)
			}
		}
	}
	return appID, secrets
}

// TestProvisionEndToEnd: provision against the Azure emulator, render into a copy of
// examples/, build with kustomize, decrypt with sops, compare with kubectl's format; a second
// run makes no write call; rotation adds a password and renders it, removing none; retire
// then removes the old one.
func TestProvisionEndToEnd(t *testing.T) {
	srv, err := fakeazure.Start(fakeazure.Options{Dir: t.TempDir(), Registries: []fakeazure.Registry{{Name: "myregistry"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir, keyFile, _ := examplesCopy(t)
	env := append(os.Environ(), srv.Env()...)
	env = append(env, "SOPS_AGE_KEY_FILE="+keyFile)
	args := []string{"provision", "overlays/prod", "--registry", "myregistry", "--sp-name", "acr-pull-prod", "--cloud", srv.CloudFile()}

	dry := runBinary(t, env, dir, append(args, "--dry-run")...)
	if dry.code != 0 || !strings.Contains(dry.stdout, "create application") || srv.WriteCalls() != 0 {
		t.Fatalf("dry run: exit %d, %d write calls\n%s%s", dry.code, srv.WriteCalls(), dry.stdout, dry.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "overlays/prod/acr-secret.enc.yaml")); err == nil {
		t.Fatal("dry run wrote the Secret")
	}

	first := runBinary(t, env, dir, args...)
	if first.code != 0 {
		t.Fatalf("provision: exit %d\n%s%s", first.code, first.stdout, first.stderr)
	}
	appID, secrets := acrgenPasswords(srv, "acr-pull-prod")
	if len(secrets) != 1 || !strings.Contains(first.stdout, "appId "+appID) {
		t.Fatalf("want one acrgen password and the appId printed, got %d\n%s", len(secrets), first.stdout)
	}
	checkSecret(t, dir, keyFile, appID, secrets[0])
	assertNoSecret(t, dir, secrets[0], first.stdout, first.stderr)
	if n := assertBuildPulls(t, kustomizeBuild(t, filepath.Join(dir, "overlays/prod")), "myregistry.azurecr.io"); n == 0 {
		t.Fatal("no workload pulls from the registry")
	}

	srv.ResetCalls()
	snap := testtool.Snapshot(t, dir)
	second := runBinary(t, env, dir, args...)
	if second.code != 0 || srv.WriteCalls() != 0 {
		t.Fatalf("second provision: exit %d, %d write calls\n%s%s", second.code, srv.WriteCalls(), second.stdout, second.stderr)
	}
	if d := diffSnap(snap, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("second provision changed files: %s", d)
	}

	rot := runBinary(t, env, dir, append(args, "--rotate")...)
	if rot.code != 0 {
		t.Fatalf("rotate: exit %d\n%s%s", rot.code, rot.stdout, rot.stderr)
	}
	_, after := acrgenPasswords(srv, "acr-pull-prod")
	if len(after) != 2 || after[0] != secrets[0] {
		t.Fatalf("after rotation want the old and a new acrgen password, got %d", len(after))
	}
	checkSecret(t, dir, keyFile, appID, after[1])
	assertNoSecret(t, dir, after[1], rot.stdout, rot.stderr)

	snap = testtool.Snapshot(t, dir)
	ret := runBinary(t, env, dir, append(args, "--retire", "--grace", "0s")...)
	if ret.code != 0 || !strings.Contains(ret.stdout, "removed on myregistry.azurecr.io") {
		t.Fatalf("retire: exit %d\n%s%s", ret.code, ret.stdout, ret.stderr)
	}
	if _, left := acrgenPasswords(srv, "acr-pull-prod"); len(left) != 1 || left[0] != after[1] {
		t.Fatalf("after retire want only the recorded password, got %d\n%s", len(left), ret.stdout)
	}
	if d := diffSnap(snap, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("retire changed files: %s", d)
	}
}

// A 403 on the role assignment is an Azure error: exit 3, the missing permission named, and
// nothing written to the tree.
func TestProvisionForbidden(t *testing.T) {
	srv, err := fakeazure.Start(fakeazure.Options{Dir: t.TempDir(), Registries: []fakeazure.Registry{{Name: "myregistry"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Inject(fakeazure.Fault{Op: fakeazure.OpCreateRoleAssignment, Status: 403, Code: "AuthorizationFailed", Message: "does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write'"})
	dir, keyFile, _ := examplesCopy(t)
	before := testtool.Snapshot(t, dir)
	env := append(append(os.Environ(), srv.Env()...), "SOPS_AGE_KEY_FILE="+keyFile)
	r := runBinary(t, env, dir, "provision", "overlays/prod", "-r", "myregistry", "--sp-name", "acr-pull-prod", "--cloud", srv.CloudFile())
	if r.code != exitRemote || !strings.Contains(r.stderr, "roleAssignments/write") {
		t.Fatalf("want exit 3 naming roleAssignments/write, got %d\n%s", r.code, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
}

// checkSecret decrypts the rendered Secret with the real sops and compares it with what
// kubectl makes for the principal's appId and password.
func checkSecret(t *testing.T, dir, keyFile, user, password string) {
	t.Helper()
	plain := sopsDecrypt(t, filepath.Join(dir, "overlays/prod/acr-secret.enc.yaml"), keyFile)
	got, err := base64.StdEncoding.DecodeString(dataField(t, plain))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password string }
	}
	if err := json.Unmarshal(got, &cfg); err != nil {
		t.Fatal(err)
	}
	a := cfg.Auths["myregistry.azurecr.io"]
	if a.Username != user || a.Password != password {
		t.Fatalf("the Secret holds %q and a different password; want the principal %q and its new password", a.Username, user)
	}
	// And it is byte for byte what kubectl makes for the same inputs.
	ref, err := exec.Command(testtool.Path(t, "kubectl"), "create", "secret", "docker-registry", "x",
		"--docker-server=myregistry.azurecr.io", "--docker-username="+user, "--docker-password="+password,
		"--dry-run=client", "-o", "yaml").Output()
	if err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	if dataField(t, plain) != dataField(t, ref) {
		t.Error("the Secret's .dockerconfigjson differs from kubectl's for the same credential")
	}
	if !strings.Contains(string(plain), "acrgen.dev/expires:") {
		t.Errorf("the Secret does not record the password's expiry:\n%s", strings.Split(string(plain), "data:")[0])
	}
}

func assertNoSecret(t *testing.T, dir, secret string, outputs ...string) {
	t.Helper()
	for rel, content := range testtool.Snapshot(t, dir) {
		if strings.Contains(content, secret) {
			t.Errorf("the password is on disk in plain text: %s", rel)
		}
	}
	for _, o := range outputs {
		if strings.Contains(o, secret) {
			t.Error("the password was printed")
		}
	}
}

// provision plans its trees exactly as render does (issue 15 §4): on a Flux cluster directory,
// on several DIRs and with --helm-release, provision through the Azure emulator and render
// with the same credential, each on its own copy, write the same files (ciphertext and the
// credential's id and expiry, which only provision knows, aside). Before, provision planned
// DIR alone: it wrote none of the Secrets of the directories the Flux Kustomizations build,
// and refused several DIRs and --helm-release.
func TestProvisionPlansAsRender(t *testing.T) {
	srv, err := fakeazure.Start(fakeazure.Options{Dir: t.TempDir(), Registries: []fakeazure.Registry{{Name: "myregistry"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	examples := func(t *testing.T) (string, string) {
		dir, keyFile, _ := examplesCopy(t)
		return dir, keyFile
	}
	for _, c := range []struct {
		name  string
		setup func(*testing.T) (dir, keyFile string)
		args  []string
	}{
		{"flux-cluster", fluxRepo, []string{"clusters/prod"}},
		{"several-dirs", examples, []string{"overlays/prod", "overlays/staging"}},
		{"helm-release", fluxRepo, []string{"clusters/prod", "--helm-release", "flux-system/hello"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			provDir, keyFile := c.setup(t)
			before := testtool.Snapshot(t, provDir)
			env := append(append(os.Environ(), srv.Env()...), "SOPS_AGE_KEY_FILE="+keyFile)
			p := runBinary(t, env, provDir, append(append([]string{"provision"}, c.args...), "--registry", "myregistry", "--sp-name", "plan-"+c.name, "--cloud", srv.CloudFile())...)
			if p.code != 0 {
				t.Fatalf("provision: exit %d\n%s%s", p.code, p.stdout, p.stderr)
			}
			appID, secrets := acrgenPasswords(srv, "plan-"+c.name)
			if len(secrets) != 1 {
				t.Fatalf("want one password, got %d", len(secrets))
			}

			renderDir, _ := c.setup(t)
			beforeRender := testtool.Snapshot(t, renderDir)
			t.Chdir(renderDir)
			r := acrgen(t, secrets[0], nil, append(append([]string{"render"}, c.args...), "--registry", "myregistry", "-u", appID, "--password-stdin")...)
			if r.code != 0 {
				t.Fatalf("render: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			prov, rend := written(before, testtool.Snapshot(t, provDir)), written(beforeRender, testtool.Snapshot(t, renderDir))
			if len(rend) < 2 {
				t.Fatalf("render wrote %d file(s): the case shows nothing", len(rend))
			}
			if d := cmp.Diff(rend, prov); d != "" {
				t.Errorf("provision and render wrote different trees (-render +provision):\n%s", d)
			}
			assertNoSecret(t, provDir, secrets[0], p.stdout, p.stderr)
		})
	}
}

// written are the files of after that differ from before, with what changes on every
// encryption and what only provision records (the credential's id and expiry) taken out.
func written(before, after map[string]string) map[string]string {
	out := map[string]string{}
	for rel, content := range after {
		if before[rel] == content || strings.HasPrefix(rel, ".git") {
			continue
		}
		content = regexp.MustCompile(`ENC\[[^\]]*\]`).ReplaceAllString(content, "ENC[...]")
		content = regexp.MustCompile(`(?ms)^sops:\n.*`).ReplaceAllString(content, "sops: ...\n")
		content = regexp.MustCompile(`(?m)^ +acrgen\.dev/(credential|expires): .*\n`).ReplaceAllString(content, "")
		out[rel] = content
	}
	return out
}
