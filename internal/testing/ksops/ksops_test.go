package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// Test data: an obviously fake credential.
const (
	server   = "myregistry.azurecr.io"
	username = "00000000-0000-0000-0000-000000000000"
	password = "fake-password-for-tests"
)

// buildStandIn builds the stand-in into dir and returns its path.
func buildStandIn(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ksops")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the KSOPS stand-in: %v\n%s", err, out)
	}
	return bin
}

// ageKey writes a fresh test age identity to a file and returns the file and its recipient.
func ageKey(t *testing.T, dir string) (file, recipient string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(dir, "test-only.agekey")
	if err := os.WriteFile(file, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, id.Recipient().String()
}

// ksopsTree writes a kustomization that generates the Secret of secret.enc.yaml with a ksops
// generator, in the shape KSOPS's README gives (Getting Started, steps 6 and 7).
func ksopsTree(t *testing.T, dir, standIn string, encrypted []byte, files ...string) {
	t.Helper()
	if len(files) == 0 {
		files = []string{"./secret.enc.yaml"}
	}
	testtool.WriteTree(t, dir, map[string]string{
		"secret.enc.yaml":       string(encrypted),
		"secret-generator.yaml": "apiVersion: viaduct.ai/v1\nkind: ksops\nmetadata:\n  name: acr-pull-generator\n  annotations:\n    config.kubernetes.io/function: |\n        exec:\n          path: " + standIn + "\nfiles:\n- " + strings.Join(files, "\n- ") + "\n",
		"kustomization.yaml":    "resources:\n- deployment.yaml\ngenerators:\n- ./secret-generator.yaml\n",
		"deployment.yaml":       "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      imagePullSecrets:\n      - name: acr-pull\n      containers:\n      - name: web\n        image: myregistry.azurecr.io/web:1\n",
	})
}

// encryptedSecret is acrgen's pull Secret for the test credential, encrypted as acrgen does.
func encryptedSecret(t *testing.T, recipient string) []byte {
	t.Helper()
	plain, err := secret.Plaintext(secret.Spec{Name: "acr-pull", Namespace: "shop", Servers: []string{server}, Credential: secret.Credential{Username: username, Password: []byte(password)}})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := encrypt.ConfigFor(filepath.Join(t.TempDir(), "secret.enc.yaml"), "", encrypt.Recipients{Age: []string{recipient}})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := cfg.Encrypt(plain, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// build runs the real kustomize with exec functions enabled, as Argo CD's repo-server does
// with kustomize.buildOptions "--enable-alpha-plugins --enable-exec".
func build(t *testing.T, dir string, env ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "kustomize"), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &buildError{err: err, stderr: stderr.String()}
	}
	return out, nil
}

type buildError struct {
	err    error
	stderr string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.stderr }

// kubectlSecret is the Secret kubectl makes for the same inputs.
func kubectlSecret(t *testing.T) map[string]any {
	t.Helper()
	// The password is test data; in acrgen itself passwords never reach argv.
	out, err := exec.Command(testtool.Path(t, "kubectl"), "create", "secret", "docker-registry", "acr-pull", "--namespace=shop",
		"--docker-server="+server, "--docker-username="+username, "--docker-password="+password,
		"--dry-run=client", "-o", "yaml").Output()
	if err != nil {
		t.Fatalf("kubectl: %v", err)
	}
	var s map[string]any
	if err := yaml.Unmarshal(out, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKSOPSBuildDecryptsToKubectlBytes: acrgen's encrypted Secret, listed by a ksops
// generator, builds with the real kustomize and the stand-in (which runs the real sops) into
// the plaintext Secret whose .dockerconfigjson is byte for byte kubectl's, with kubectl's
// name, namespace and type.
func TestKSOPSBuildDecryptsToKubectlBytes(t *testing.T) {
	testtool.Path(t, "sops")
	tools := t.TempDir()
	standIn := buildStandIn(t, tools)
	keyFile, recipient := ageKey(t, tools)
	t.Setenv("PATH", filepath.Join(testtool.RepoRoot(t), "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := t.TempDir()
	ksopsTree(t, dir, standIn, encryptedSecret(t, recipient))

	out, err := build(t, dir, "SOPS_AGE_KEY_FILE="+keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("ENC[")) || bytes.Contains(out, []byte("sops:")) {
		t.Fatalf("the build still holds SOPS data:\n%s", out)
	}
	m, err := manifest.Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	want := kubectlSecret(t)
	wantMeta := want["metadata"].(map[string]any)
	var secret *manifest.Resource
	for _, r := range m.Resources() {
		if r.Kind == "Secret" {
			r := r
			secret = &r
		}
	}
	if secret == nil {
		t.Fatalf("no Secret in the build:\n%s", out)
	}
	if secret.Name != wantMeta["name"] || secret.Namespace != wantMeta["namespace"] || manifest.Scalar(manifest.MapValue(secret.Node, "type")) != want["type"] {
		t.Errorf("got Secret %s/%s of type %s, kubectl makes %v/%v of type %v", secret.Namespace, secret.Name, manifest.Scalar(manifest.MapValue(secret.Node, "type")), wantMeta["namespace"], wantMeta["name"], want["type"])
	}
	var got struct {
		Data map[string]string `yaml:"data"`
	}
	if err := secret.Node.Decode(&got); err != nil {
		t.Fatal(err)
	}
	wantData := want["data"].(map[string]any)
	if len(got.Data) != len(wantData) {
		t.Fatalf("data keys: got %d, kubectl %d", len(got.Data), len(wantData))
	}
	for k, v := range wantData {
		g, err1 := base64.StdEncoding.DecodeString(got.Data[k])
		w, err2 := base64.StdEncoding.DecodeString(v.(string))
		if err1 != nil || err2 != nil || !bytes.Equal(g, w) {
			t.Errorf("data[%s]: got %q, kubectl %q", k, g, w)
		}
	}

	t.Run("fails without the key", func(t *testing.T) {
		other, _ := ageKey(t, t.TempDir())
		_, err := build(t, dir, "SOPS_AGE_KEY_FILE="+other)
		if err == nil || !strings.Contains(err.Error(), `"./secret.enc.yaml"`) {
			t.Fatalf("want a build error naming the file, got %v", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Fatal("the error holds the password")
		}
	})
	t.Run("a missing file", func(t *testing.T) {
		d := t.TempDir()
		ksopsTree(t, d, standIn, encryptedSecret(t, recipient), "./secret.enc.yaml", "./absent.enc.yaml")
		if _, err := build(t, d, "SOPS_AGE_KEY_FILE="+keyFile); err == nil || !strings.Contains(err.Error(), "absent.enc.yaml") {
			t.Fatalf("want a build error naming the missing file, got %v", err)
		}
	})
	t.Run("secretFrom is not covered", func(t *testing.T) {
		d := t.TempDir()
		ksopsTree(t, d, standIn, nil)
		gen := filepath.Join(d, "secret-generator.yaml")
		b, _ := os.ReadFile(gen)
		b = bytes.Replace(b, []byte("files:\n- ./secret.enc.yaml\n"), []byte("secretFrom:\n- metadata: {name: x}\n  files: [a.enc.txt]\n"), 1)
		if err := os.WriteFile(gen, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := build(t, d); err == nil || !strings.Contains(err.Error(), "not covered") {
			t.Fatalf("want the stand-in to say secretFrom is not covered, got %v", err)
		}
	})
}
