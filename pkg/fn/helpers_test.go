package fn_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/pkg/encrypt"
	"github.com/acrgen/acrgen/pkg/fn"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Test credentials: obviously fake. The age identity in testdata/age-test-key.txt is a test-only
// key; testRecipient is its public half.
const (
	testUsername  = "00000000-0000-0000-0000-000000000000"
	testPassword  = "fake-password-for-tests"
	testPassEnv   = "ACRGEN_TEST_PASSWORD"
	testRecipient = "age18e3z0zzxu4qny97fg4uvur03tg0yelttq8tmxamh7mwy2p4cu4rsfpf0v2"
)

// testNow is the fixed clock of the tests (sops lastmodified).
var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// dirEncrypter is the function's encrypter, pkg/encrypt's, as cmd/acrgen wires it, except
// that Secret files are resolved against dir (a test case's directory) instead of the working
// directory, so that each case sees its own .sops.yaml.
type dirEncrypter struct{ dir string }

func (e dirEncrypter) Keys(file string, r secret.Recipients) (secret.Keys, error) {
	keys, err := encrypt.SOPS{Top: e.dir}.Keys(filepath.Join(e.dir, file), r)
	var nk *secret.NoKeysError
	if errors.As(err, &nk) {
		// The absolute paths differ between machines.
		abs, _ := filepath.Abs(e.dir)
		nk.Path, nk.Reason = file, strings.ReplaceAll(nk.Reason, abs+string(filepath.Separator), "")
	}
	return keys, err
}

// testOptions are the function's options for a case in dir: the test password in the
// environment, files read from dir, the fixed clock.
func testOptions(dir string) fn.Options {
	return fn.Options{
		Encrypter: dirEncrypter{dir: dir},
		Getenv: func(k string) string {
			if k == testPassEnv {
				return testPassword
			}
			return ""
		},
		ReadFile: func(name string) ([]byte, error) {
			if filepath.IsAbs(name) {
				return nil, errors.New("absolute path in a test")
			}
			return os.ReadFile(filepath.Join(dir, name))
		},
		Now: func() time.Time { return testNow },
	}
}

// useTestKey makes the test age identity available to sops for decryption.
func useTestKey(t *testing.T) {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", "age-test-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOPS_AGE_KEY_FILE", p)
	t.Setenv("SOPS_AGE_KEY", "")
}

// stripOrchestratorAnnotations returns an item as the file an orchestrator would write: without
// the config.kubernetes.io and internal.config.kubernetes.io annotations.
func stripOrchestratorAnnotations(t *testing.T, item *yaml.RNode) []byte {
	t.Helper()
	c := item.Copy()
	for k := range c.GetAnnotations() {
		if strings.HasPrefix(k, "config.kubernetes.io/") || strings.HasPrefix(k, "internal.config.kubernetes.io/") {
			if err := c.PipeE(yaml.ClearAnnotation(k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := yaml.ClearEmptyAnnotations(c); err != nil {
		t.Fatal(err)
	}
	s, err := c.String()
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

// idOf names an item for messages and matching.
func idOf(n *yaml.RNode) string {
	return n.GetApiVersion() + "/" + n.GetKind() + " " + n.GetNamespace() + "/" + n.GetName()
}

// tree writes the items of rl into a directory, one file each (the file an orchestrator names,
// else one of the item's own), with a kustomization that lists them and the case's .sops.yaml.
func tree(t *testing.T, dir string, rl *yaml.RNode) string {
	root := t.TempDir()
	items, err := rl.Pipe(yaml.Lookup("items"))
	if err != nil || items == nil {
		return root // no items: an empty directory
	}
	// A KSOPS generator is listed under generators:, and the files it lists are its own, not
	// resources, as in a tree that decrypts with KSOPS.
	var files, generators, generated []string
	for _, it := range items.Content() {
		if item := yaml.NewRNode(it); manifest.IsKSOPSGenerator(item.GetApiVersion(), item.GetKind()) {
			g, err := manifest.ParseKSOPSGenerator(it)
			if err != nil {
				t.Fatal(err)
			}
			generated = append(generated, g.Files...)
		}
	}
	for i, it := range items.Content() {
		item := yaml.NewRNode(it)
		name := item.GetAnnotations()["config.kubernetes.io/path"]
		if name == "" && item.GetKind() == "Secret" {
			name = secret.FileName(item.GetName(), item.GetNamespace()) // as render names it
		}
		if name == "" || slices.Contains(files, name) {
			name = strconv.Itoa(100 + i)[1:] + "-" + strings.ToLower(item.GetKind()) + "-" + item.GetName() + ".yaml"
		}
		switch {
		case manifest.IsKSOPSGenerator(item.GetApiVersion(), item.GetKind()):
			generators = append(generators, name)
		case !slices.Contains(generated, name):
			files = append(files, name)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(root, name), string(stripOrchestratorAnnotations(t, item)))
	}
	k := "resources:\n- " + strings.Join(files, "\n- ") + "\n"
	if len(generators) > 0 {
		k += "generators:\n- " + strings.Join(generators, "\n- ") + "\n"
	}
	writeFile(t, filepath.Join(root, "kustomization.yaml"), k)
	if b, err := os.ReadFile(filepath.Join(dir, ".sops.yaml")); err == nil {
		writeFile(t, filepath.Join(root, ".sops.yaml"), string(b))
	}
	return root
}

// credential is the credential the function reads for the case, as the CLI is given it.
func credential(dir string, cfg *fn.Config) *secret.Credential {
	var pw []byte
	switch {
	case cfg.Username == "":
		return nil
	case cfg.Password.Env == testPassEnv:
		pw = []byte(testPassword)
	case cfg.Password.File != "":
		b, err := os.ReadFile(filepath.Join(dir, cfg.Password.File))
		if pw = bytes.TrimSpace(b); err != nil || len(pw) == 0 {
			return nil
		}
	default:
		return nil
	}
	return &secret.Credential{Username: cfg.Username, Password: pw}
}
