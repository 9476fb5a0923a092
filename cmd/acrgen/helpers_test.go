package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// testPassword is an obviously fake credential; tests assert it never leaks.
const testPassword = "fake-Passw0rd-for-tests-only"

const testUser = "00000000-0000-0000-0000-000000000000"

type result struct {
	code           int
	stdout, stderr string
}

// acrgen runs the CLI in-process.
func acrgen(t *testing.T, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errw bytes.Buffer
	code := run(context.Background(), append([]string{"acrgen"}, args...), strings.NewReader(stdin), &out, &errw, func(k string) string { return env[k] })
	return result{code: code, stdout: out.String(), stderr: errw.String()}
}

// ageKey makes a throwaway age identity; it returns the key file and the recipient.
func ageKey(t *testing.T) (keyFile, recipient string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(t.TempDir(), "test-only.agekey")
	if err := os.WriteFile(keyFile, []byte("# test-only key\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile, id.Recipient().String()
}

// examplesCopy copies examples/ into a temporary directory whose .sops.yaml encrypts for a
// fresh test key, and points sops at that key for this test.
func examplesCopy(t *testing.T) (dir, keyFile, recipient string) {
	t.Helper()
	dir = t.TempDir()
	testtool.CopyTree(t, filepath.Join(testtool.RepoRoot(t), "examples"), dir)
	keyFile, recipient = ageKey(t)
	sopsYAML := filepath.Join(dir, ".sops.yaml")
	b, err := os.ReadFile(sopsYAML)
	if err != nil {
		t.Fatal(err)
	}
	b = regexp.MustCompile(`age1[0-9a-z]+`).ReplaceAll(b, []byte(recipient))
	if err := os.WriteFile(sopsYAML, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	return dir, keyFile, recipient
}

// assertNoLeak fails if the test password appears in any file under dir or in the outputs.
func assertNoLeak(t *testing.T, dir string, outputs ...string) {
	t.Helper()
	for rel, content := range testtool.Snapshot(t, dir) {
		if strings.Contains(content, testPassword) || strings.Contains(content, base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPassword))) {
			t.Errorf("plaintext credential on disk in %s", rel)
		}
		if strings.Contains(rel, ".acrgen-") {
			t.Errorf("temporary file left behind: %s", rel)
		}
	}
	for _, o := range outputs {
		if strings.Contains(o, testPassword) {
			t.Errorf("password printed: %q", o)
		}
	}
}

// kustomizeBuild runs the real kustomize.
func kustomizeBuild(t *testing.T, dir string) []byte {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "kustomize"), "build", dir)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kustomize build %s: %v\n%s", dir, err, errb.String())
	}
	return out
}

// sopsDecrypt runs the real sops -d on a file with the given key.
func sopsDecrypt(t *testing.T, file, keyFile string) []byte {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "sops"), "-d", file)
	cmd.Env = append(os.Environ(), "SOPS_AGE_KEY_FILE="+keyFile)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sops -d %s: %v\n%s", file, err, errb.String())
	}
	return out
}

// kubectlDockerConfig is the reference .dockerconfigjson (base64, as in data) from kubectl.
func kubectlDockerConfig(t *testing.T, server string) string {
	t.Helper()
	out, err := exec.Command(testtool.Path(t, "kubectl"), "create", "secret", "docker-registry", "x",
		"--docker-server="+server, "--docker-username="+testUser, "--docker-password="+testPassword,
		"--dry-run=client", "-o", "yaml").Output()
	if err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	return dataField(t, out)
}

func dataField(t *testing.T, secretYAML []byte) string {
	t.Helper()
	var s struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(secretYAML, &s); err != nil {
		t.Fatal(err)
	}
	return s.Data[".dockerconfigjson"]
}

// builtObject is one object of kustomize build output.
type builtObject struct {
	res   manifest.Resource
	specs []manifest.PodSpec
}

func parseBuild(t *testing.T, out []byte) []builtObject {
	t.Helper()
	m, err := manifest.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	kinds := manifest.NewKinds()
	var objs []builtObject
	for _, r := range m.Resources() {
		specs, err := kinds.PodSpecs(r)
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, builtObject{res: r, specs: specs})
	}
	return objs
}

// assertBuildPulls checks the promise of render on kustomize build output: every workload that
// pulls from the registry references a Secret of type dockerconfigjson that exists in its
// namespace. It returns the number of such workloads.
func assertBuildPulls(t *testing.T, out []byte, registry string) int {
	t.Helper()
	objs := parseBuild(t, out)
	secrets := map[string]bool{}
	for _, o := range objs {
		if o.res.Kind == "Secret" {
			typ := ""
			for i := 0; i+1 < len(o.res.Node.Content); i += 2 {
				if o.res.Node.Content[i].Value == "type" {
					typ = o.res.Node.Content[i+1].Value
				}
			}
			if typ == secret.Type {
				secrets[o.res.Namespace+"/"+o.res.Name] = true
			}
		}
	}
	match := manifest.NewMatcher([]string{registry})
	n := 0
	for _, o := range objs {
		for _, ps := range o.specs {
			if !manifest.MatchesRegistry(match)(o.res, ps) {
				continue
			}
			n++
			found := false
			for _, s := range ps.SecretNames() {
				found = found || secrets[o.res.Namespace+"/"+s]
			}
			if !found {
				t.Errorf("%s %s/%s pulls from %s but references no dockerconfigjson Secret of its namespace (has %v)", o.res.Kind, o.res.Namespace, o.res.Name, registry, ps.SecretNames())
			}
		}
	}
	return n
}

// A guard: restricted to environment credentials (which tests do not set), azidentity's
// default chain can never try the managed-identity endpoint (169.254.169.254) when a test
// tries a Key Vault key, whatever the machine looks like.
func init() {
	if os.Getenv("AZURE_TOKEN_CREDENTIALS") == "" {
		os.Setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
	}
}
