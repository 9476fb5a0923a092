package encrypt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"go.yaml.in/yaml/v3"
)

// fakePassword is an obviously fake registry password; no test output may ever contain it.
const fakePassword = "FAKE-pa55word-not-a-secret-7731"

// ageKey is a throwaway age identity written to a key file under t.TempDir().
type ageKey struct {
	recipient string
	file      string
}

func newAgeKey(t *testing.T) ageKey {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "age.key")
	content := fmt.Sprintf("# test key\n# public key: %s\n%s\n", id.Recipient(), id)
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return ageKey{recipient: id.Recipient().String(), file: file}
}

// readKey returns the identity line of k's key file, for SOPS_AGE_KEY.
func readKey(t *testing.T, k ageKey) string {
	t.Helper()
	b, err := os.ReadFile(k.file)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "AGE-SECRET-KEY-") {
			return line
		}
	}
	t.Fatal("no identity in key file")
	return ""
}

// secretOpts shapes a sample dockerconfigjson Secret.
type secretOpts struct {
	password string
	label    string
	// reordered writes the same Secret with other key orders (YAML and JSON).
	reordered bool
}

func dockerConfigJSON(password string, reordered bool) string {
	auth := base64.StdEncoding.EncodeToString([]byte("robot:" + password))
	if reordered {
		return fmt.Sprintf(`{ "auths": { "registry.example.com": { "auth": %q, "password": %q, "username": "robot" } } }`, auth, password)
	}
	b, err := json.Marshal(map[string]any{"auths": map[string]any{
		"registry.example.com": map[string]string{"username": "robot", "password": password, "auth": auth},
	}})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func secretYAML(o secretOpts) []byte {
	if o.password == "" {
		o.password = fakePassword
	}
	if o.label == "" {
		o.label = "blue"
	}
	cfg := base64.StdEncoding.EncodeToString([]byte(dockerConfigJSON(o.password, o.reordered)))
	if o.reordered {
		return fmt.Appendf(nil, `kind: Secret
apiVersion: v1
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: %s
metadata:
  labels:
    team: %s
  annotations:
    acrgen.io/registry: registry.example.com
  namespace: apps
  name: regcred
`, cfg, o.label)
	}
	return fmt.Appendf(nil, `apiVersion: v1
kind: Secret
metadata:
  name: regcred
  namespace: apps
  annotations:
    acrgen.io/registry: registry.example.com
  labels:
    team: %s
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: %s
`, o.label, cfg)
}

// parseYAML unmarshals one YAML document into generic values.
func parseYAML(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("parse yaml: %v", err)
	}
	return m
}

// semantic turns a Secret into comparable values, with data[.dockerconfigjson] decoded to JSON.
func semantic(t *testing.T, b []byte) map[string]any {
	t.Helper()
	m := parseYAML(t, b)
	if data, ok := m["data"].(map[string]any); ok {
		if s, ok := data[".dockerconfigjson"].(string); ok {
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				t.Fatalf("data[.dockerconfigjson] is not base64")
			}
			var v any
			if err := json.Unmarshal(raw, &v); err != nil {
				t.Fatalf("data[.dockerconfigjson] is not json")
			}
			data[".dockerconfigjson"] = v
		}
	}
	return m
}

func assertSameSecret(t *testing.T, got, want []byte) {
	t.Helper()
	if g, w := semantic(t, got), semantic(t, want); !reflect.DeepEqual(g, w) {
		t.Fatalf("decrypted Secret differs from the plaintext\n got: %v\nwant: %v", g, w)
	}
}

// field walks nested maps of a parsed YAML document.
func field(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// ageEncs returns the age enc stanzas of an encrypted file, by recipient.
func ageEncs(t *testing.T, enc []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	list, _ := field(parseYAML(t, enc), "sops", "age").([]any)
	for _, e := range list {
		m := e.(map[string]any)
		out[m["recipient"].(string)] = m["enc"].(string)
	}
	return out
}

func dataValue(t *testing.T, enc []byte) string {
	t.Helper()
	s, _ := field(parseYAML(t, enc), "data", ".dockerconfigjson").(string)
	return s
}

// assertNoLeak fails if b contains the fake password in any of the forms a Secret holds it.
func assertNoLeak(t *testing.T, what string, b []byte) {
	t.Helper()
	for _, s := range []string{
		fakePassword,
		base64.StdEncoding.EncodeToString([]byte("robot:" + fakePassword)),
		base64.StdEncoding.EncodeToString([]byte(dockerConfigJSON(fakePassword, false))),
		base64.StdEncoding.EncodeToString([]byte(dockerConfigJSON(fakePassword, true))),
	} {
		if bytes.Contains(b, []byte(s)) {
			t.Fatalf("%s contains the password (or an encoding of it)", what)
		}
	}
}

// sopsDecrypt runs the real sops binary on enc with only the given environment (plus PATH and
// an empty HOME), from an empty directory. It returns stdout, or an error with stderr.
func sopsDecrypt(t *testing.T, enc []byte, env ...string) ([]byte, error) {
	t.Helper()
	sops := testtool.Path(t, "sops")
	dir := t.TempDir()
	file := filepath.Join(dir, "secret.enc.yaml")
	if err := os.WriteFile(file, enc, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(sops, "decrypt", "--input-type", "yaml", "--output-type", "yaml", file)
	cmd.Dir = dir
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"XDG_CONFIG_HOME=" + filepath.Join(dir, ".config"),
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sops decrypt: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// isolateKeys clears every place sops looks for age keys in this process, so that a test sees
// only the keys it sets itself (t.Setenv restores the previous values afterwards).
func isolateKeys(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	for _, name := range []string{
		"SOPS_AGE_KEY", "SOPS_AGE_KEY_FILE", "SOPS_AGE_KEY_CMD",
		"SOPS_AGE_SSH_PRIVATE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_CMD",
	} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
}

// writeFile writes content to dir/name, creating parent directories.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustConfig is ConfigFor for a file whose .sops.yaml, if any, is in its own directory.
func mustConfig(t *testing.T, path string, flags Recipients) *Config {
	t.Helper()
	c, err := ConfigFor(path, "", flags)
	if err != nil {
		t.Fatalf("ConfigFor(%s): %v", path, err)
	}
	return c
}

// A guard: restricted to environment credentials (which tests do not set), azidentity's
// default chain can never try the managed-identity endpoint (169.254.169.254) when a test
// tries a Key Vault key, whatever the machine looks like.
func init() {
	if os.Getenv("AZURE_TOKEN_CREDENTIALS") == "" {
		os.Setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
	}
}
