package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/pkg/secret"
	"github.com/acrgen/acrgen/pkg/settings"
)

// fakeEncrypter "encrypts" by appending a sops block with a MAC (what Flux and the engine
// look for), and records what it was asked. No keys, no ciphertext, no sops.
type fakeEncrypter struct {
	paths      []string
	recipients []secret.Recipients
	sealer     *fakeSealer
}

func (f *fakeEncrypter) Keys(path string, r secret.Recipients) (secret.Keys, error) {
	f.paths = append(f.paths, path)
	f.recipients = append(f.recipients, r)
	return f.sealer, nil
}

// fakeSops is the metadata encrypt.Inspect reads; the "ciphertext" is the plaintext wrapped
// in ENC[...], so the Secret passes check's well-formedness test.
const fakeSops = `sops:
  age:
    - recipient: age1fake
      enc: fake
  lastmodified: "2026-01-01T00:00:00Z"
  mac: ENC[AES256_GCM,data:fake,iv:fake,tag:fake,type:str]
  version: 3.13.3
`

type fakeSealer struct {
	sameRecipients bool
	encryptErr     error
	syncs          int
}

func (s *fakeSealer) Encrypt(plain []byte, _ time.Time) ([]byte, error) {
	if s.encryptErr != nil {
		return nil, s.encryptErr
	}
	return append(dataValue.ReplaceAll(plain, []byte("${1}ENC[AES256_GCM,data:${2},iv:fake,tag:fake,type:str]")), fakeSops...), nil
}

// dataValue is a value under a Secret's data: as secret.Plaintext writes it.
var dataValue = regexp.MustCompile(`(?m)^(  \.dockerconfigjson: )(\S+)$`)

func (s *fakeSealer) Sync(existing, plain []byte, now time.Time) ([]byte, bool, error) {
	s.syncs++
	if plain == nil { // new keys, same plaintext
		return append(append([]byte(nil), existing...), "# re-encrypted\n"...), true, nil
	}
	return existing, false, nil
}

func (s *fakeSealer) SameRecipients([]byte) (bool, error) { return s.sameRecipients, nil }
func (s *fakeSealer) Source() string                      { return "" }

func fakeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"kustomization.yaml": "resources:\n- pod.yaml\n",
		"pod.yaml":           "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: apps\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// renderedTree is fakeTree after a first render with a fake encrypter, written to disk.
func renderedTree(t *testing.T) (string, *fakeEncrypter) {
	t.Helper()
	dir := fakeTree(t)
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	res, err := engine.Plan(renderOpts(dir, enc))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	return dir, enc
}

func renderOpts(dir string, enc secret.Encrypter) engine.Options {
	return engine.Options{
		Dir: dir, Mode: engine.Render, Registries: []string{"myregistry.azurecr.io"}, SecretName: settings.DefaultSecretName,
		Credential: &secret.Credential{Username: "app", Password: []byte("fake-password")},
		Recipients: secret.Recipients{Age: []string{"age1fake"}},
		Now:        func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
		Encrypter:  enc,
	}
}

// A new Secret goes through the Encrypter for its own file, with the recipients given, is
// listed in the kustomization, and a second run changes nothing (the no-churn rule).
func TestRenderEncryptsThroughTheEncrypter(t *testing.T) {
	dir := fakeTree(t)
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	res, err := engine.Plan(renderOpts(dir, enc))
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "acr-secret.apps.enc.yaml")
	if len(enc.paths) != 1 || enc.paths[0] != secret || enc.recipients[0].Age[0] != "age1fake" {
		t.Fatalf("Encrypter asked for %q with %v", enc.paths, enc.recipients)
	}
	got := map[string]string{}
	for _, c := range res.Changes {
		got[filepath.Base(c.Path)] = string(c.New)
	}
	if s := got["acr-secret.apps.enc.yaml"]; !strings.HasSuffix(s, fakeSops) || !strings.Contains(s, "kind: Secret") {
		t.Errorf("new Secret:\n%s", s)
	}
	if k := got["kustomization.yaml"]; !strings.Contains(k, "- acr-secret.apps.enc.yaml") {
		t.Errorf("kustomization:\n%s", k)
	}
	if p := got["pod.yaml"]; !strings.Contains(p, "imagePullSecrets:") {
		t.Errorf("pod:\n%s", p)
	}
	if err := writeResult(dir, res); err != nil {
		t.Fatal(err)
	}
	again, err := engine.Plan(renderOpts(dir, enc))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changes) != 0 || enc.sealer.syncs != 1 {
		t.Errorf("second run: %d change(s), %d sync(s); want none and one comparison", len(again.Changes), enc.sealer.syncs)
	}
}

// Without a credential, a Secret whose keys differ from the wanted ones is re-encrypted with
// its plaintext unchanged.
func TestRenderReencryptsForNewRecipients(t *testing.T) {
	dir, enc := renderedTree(t)
	enc.sealer.sameRecipients = false
	opts := renderOpts(dir, enc)
	opts.Credential = nil
	res, err := engine.Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 1 || !strings.HasSuffix(string(res.Changes[0].New), "# re-encrypted\n") {
		t.Fatalf("want the Secret re-encrypted, got %+v", res.Changes)
	}
}

// An encryption failure is an EncryptionError (exit 3), naming the file.
func TestRenderEncryptionFailure(t *testing.T) {
	dir := fakeTree(t)
	enc := &fakeEncrypter{sealer: &fakeSealer{encryptErr: errors.New("key vault unreachable")}}
	_, err := engine.Plan(renderOpts(dir, enc))
	var ee *engine.EncryptionError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), "acr-secret.apps.enc.yaml") || !strings.Contains(err.Error(), "key vault unreachable") {
		t.Fatalf("got %v, want an EncryptionError naming the file", err)
	}
}

// The engine's own reads (a Secret file left by an earlier run) get the loader's checks: a
// symlink out of the tree is refused, not followed and then replaced.
func TestLeftoverSecretSymlinkRefused(t *testing.T) {
	dir, outside := fakeTree(t), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "x.yaml"), []byte("apiVersion: v1\nkind: Secret\nmetadata: {name: acr-secret}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "x.yaml"), filepath.Join(dir, "acr-secret.apps.enc.yaml")); err != nil {
		t.Fatal(err)
	}
	enc := &fakeEncrypter{sealer: &fakeSealer{sameRecipients: true}}
	_, err := engine.Plan(renderOpts(dir, enc))
	if err == nil || !strings.Contains(err.Error(), "symlink leaves the directory") {
		t.Fatalf("got %v, want the symlink refused", err)
	}
}
