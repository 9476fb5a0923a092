package encrypt

import (
	"bytes"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getsops/sops/v3/version"
)

var testNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func TestEncryptRoundTripWithSopsBinary(t *testing.T) {
	key := newAgeKey(t)
	c := mustConfig(t, filepath.Join(t.TempDir(), "secret.yaml"), Recipients{Age: []string{key.recipient}})
	plain := secretYAML(secretOpts{})

	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, "encrypted file", enc)

	m := parseYAML(t, enc)
	for path, want := range map[string]string{
		"apiVersion":           "v1",
		"kind":                 "Secret",
		"type":                 "kubernetes.io/dockerconfigjson",
		"metadata.name":        "regcred",
		"metadata.namespace":   "apps",
		"metadata.labels.team": "blue",
		"sops.encrypted_regex": "^(data|stringData)$",
		"sops.version":         version.Version,
		"sops.lastmodified":    "2026-03-04T05:06:07Z",
	} {
		if got := field(m, strings.Split(path, ".")...); got != want {
			t.Errorf("%s = %v, want %q (plaintext metadata must stay readable)", path, got, want)
		}
	}
	if got := field(m, "metadata", "annotations", "acrgen.io/registry"); got != "registry.example.com" {
		t.Errorf("annotation = %v, want plaintext", got)
	}
	if v := dataValue(t, enc); !strings.HasPrefix(v, "ENC[AES256_GCM,data:") || !strings.HasSuffix(v, ",type:str]") {
		t.Errorf("data[.dockerconfigjson] is not sops ciphertext: %.30s...", v)
	}
	if got := ageEncs(t, enc); len(got) != 1 || got[key.recipient] == "" {
		t.Errorf("age stanzas = %v, want one for %s", got, key.recipient)
	}
	if !bytes.Contains(enc, []byte("\n    name: regcred\n")) {
		t.Errorf("want the sops default 4-space indent:\n%s", enc)
	}

	// The real sops binary decrypts it, with the key given to that process only.
	out, err := sopsDecrypt(t, enc, "SOPS_AGE_KEY_FILE="+key.file)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, out, plain)

	// Without the key, sops cannot.
	if _, err := sopsDecrypt(t, enc); err == nil {
		t.Fatal("sops decrypted without a key")
	}

	// Each Encrypt uses a new data key: the same input encrypts differently.
	enc2, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if dataValue(t, enc2) == dataValue(t, enc) {
		t.Error("two encryptions produced the same ciphertext")
	}
}

func TestDecryptLibrary(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	c := mustConfig(t, filepath.Join(t.TempDir(), "secret.yaml"), Recipients{Age: []string{key.recipient}})
	plain := secretYAML(secretOpts{})
	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}

	_, err = Decrypt(enc)
	if !errors.Is(err, ErrNoDecryptionKey) {
		t.Fatalf("Decrypt without key: err = %v, want ErrNoDecryptionKey", err)
	}
	if !strings.Contains(err.Error(), key.recipient) {
		t.Errorf("error should name the recipients: %v", err)
	}

	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	out, err := Decrypt(enc)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, out, plain)

	// Decrypt checks the MAC, like sops: a changed plaintext field breaks it.
	tampered := bytes.Replace(enc, []byte("team: blue"), []byte("team: red"), 1)
	if _, err := Decrypt(tampered); err == nil || !strings.Contains(err.Error(), "mac mismatch") {
		t.Fatalf("Decrypt of a tampered file: err = %v, want mac mismatch", err)
	}

	// A plaintext value where ciphertext belongs (a kustomize patch, a hand edit) is an error
	// that does not echo the value (sops' own message would).
	leaky := bytes.Replace(enc, []byte(dataValue(t, enc)), []byte(fakePassword), 1)
	_, err = Decrypt(leaky)
	if err == nil {
		t.Fatal("Decrypt accepted a plaintext value under data")
	}
	assertNoLeak(t, "error", []byte(err.Error()))

	if _, err := Decrypt(plain); err == nil || errors.Is(err, ErrNoDecryptionKey) {
		t.Fatalf("Decrypt of a plaintext document: err = %v, want not-encrypted error", err)
	}
}

func TestEncryptRejects(t *testing.T) {
	key := newAgeKey(t)
	c := mustConfig(t, filepath.Join(t.TempDir(), "secret.yaml"), Recipients{Age: []string{key.recipient}})
	plain := secretYAML(secretOpts{})
	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string][]byte{
		"two documents":        append(append(slices.Clone(plain), "---\n"...), plain...),
		"empty":                nil,
		"already encrypted":    enc,
		"a scalar (the value)": []byte(fakePassword + "\n"),
		"a list":               []byte("- " + fakePassword + "\n"),
		"invalid yaml":         []byte("data:\n  password: \"" + fakePassword + "\n  x: [\n"),
		"duplicate key":        []byte("data:\n  p: " + fakePassword + "\n  p: " + fakePassword + "\n"),
		"non-string key":       []byte("data:\n  1: " + fakePassword + "\n"),
		"tagged value":         []byte("data:\n  p: !!binary " + fakePassword + "\n"),
	} {
		t.Run(name, func(t *testing.T) {
			out, err := c.Encrypt(in, testNow)
			if name == "tagged value" {
				// !!binary decodes to a string: sops accepts it; only the no-leak rule applies.
				if err == nil {
					assertNoLeak(t, "output", out)
					return
				}
			}
			if err == nil {
				t.Fatal("Encrypt accepted it")
			}
			assertNoLeak(t, "error", []byte(err.Error()))
			t.Logf("error: %v", err)
		})
	}
}

func TestInspect(t *testing.T) {
	key1, key2 := newAgeKey(t), newAgeKey(t)
	plain := secretYAML(secretOpts{})

	info, err := Inspect(plain)
	if err != nil || info.Encrypted || !info.Recipients.Empty() {
		t.Fatalf("Inspect(plain) = %+v, %v; want not encrypted, no error", info, err)
	}

	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key1.recipient + "," + key2.recipient}})
	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	info, err = Inspect(enc)
	if err != nil {
		t.Fatal(err)
	}
	want := Info{
		Encrypted:      true,
		Recipients:     Recipients{Age: []string{key1.recipient, key2.recipient}},
		EncryptedRegex: "^(data|stringData)$",
		Version:        version.Version,
		LastModified:   testNow,
	}
	if !reflect.DeepEqual(info, want) {
		t.Fatalf("Inspect(enc) =\n%+v\nwant\n%+v", info, want)
	}
	if !c.SameRecipients(info) {
		t.Error("SameRecipients(own file) = false")
	}
	swapped := Info{Recipients: Recipients{Age: []string{key2.recipient, key1.recipient}}}
	if !c.SameRecipients(swapped) {
		t.Error("SameRecipients must ignore order")
	}
	if c.SameRecipients(Info{Recipients: Recipients{Age: []string{key1.recipient}}}) {
		t.Error("SameRecipients(subset) = true")
	}
	if c.SameRecipients(Info{Recipients: Recipients{Age: []string{key1.recipient, key2.recipient}, PGP: []string{"0123456789ABCDEF"}}}) {
		t.Error("SameRecipients(superset) = true")
	}

	// A sops block without a mac is not encrypted (Flux's rule).
	noMAC := []byte("apiVersion: v1\nkind: Secret\nsops:\n  version: 3.13.3\n")
	if info, err := Inspect(noMAC); err != nil || info.Encrypted {
		t.Errorf("Inspect(sops without mac) = %+v, %v", info, err)
	}
	if _, err := Inspect(append(append(slices.Clone(plain), "---\n"...), plain...)); err == nil {
		t.Error("Inspect accepted two documents")
	}
}

func TestRecipientsEmpty(t *testing.T) {
	for _, tc := range []struct {
		r    Recipients
		want bool
	}{
		{Recipients{}, true},
		{Recipients{Age: []string{"", " "}, PGP: []string{","}}, true},
		{Recipients{Age: []string{"age1x"}}, false},
		{Recipients{PGP: []string{"ABCD"}}, false},
		{Recipients{AzureKV: []string{"https://v.vault.azure.net/keys/k/1"}}, false},
	} {
		if got := tc.r.Empty(); got != tc.want {
			t.Errorf("%+v.Empty() = %v, want %v", tc.r, got, tc.want)
		}
	}
}

func TestConfigForFlagValidation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	for name, r := range map[string]Recipients{
		"bad age":   {Age: []string{"age1notarecipient"}},
		"bad pgp":   {PGP: []string{"not-hex"}},
		"bad azure": {AzureKV: []string{"http://vault.example.com/keys/k/v"}},
	} {
		if _, err := ConfigFor(path, "", r); err == nil {
			t.Errorf("%s: ConfigFor accepted %+v", name, r)
		}
	}
}
