package encrypt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// Sync tests use t.Setenv, so they cannot run in parallel.

var later = testNow.Add(time.Hour)

func TestSyncUnchanged(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key.recipient}})
	plain := secretYAML(secretOpts{})
	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string][]byte{
		"identical plaintext":                           plain,
		"same Secret, other key order in YAML and JSON": secretYAML(secretOpts{reordered: true}),
		"no new plaintext (nil)":                        nil,
	} {
		t.Run(name, func(t *testing.T) {
			out, changed, err := c.Sync(enc, p, later)
			if err != nil {
				t.Fatal(err)
			}
			if changed || !bytes.Equal(out, enc) {
				t.Fatalf("changed = %v, identical = %v; want unchanged, byte-identical", changed, bytes.Equal(out, enc))
			}
		})
	}
	// A config with the same keys in another order is the same key set.
	other := newAgeKey(t)
	c2 := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key.recipient, other.recipient}})
	enc2, err := c2.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c3 := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{other.recipient, key.recipient}})
	if out, changed, err := c3.Sync(enc2, plain, later); err != nil || changed || !bytes.Equal(out, enc2) {
		t.Fatalf("recipients in another order: changed = %v, err = %v; want unchanged", changed, err)
	}
}

func TestSyncPasswordChanged(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key.recipient}})
	enc, err := c.Encrypt(secretYAML(secretOpts{}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	newPlain := secretYAML(secretOpts{password: "FAKE-rotated-password-0002"})
	out, changed, err := c.Sync(enc, newPlain, later)
	if err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Fatal("changed = false after a password change")
	}
	if dataValue(t, out) == dataValue(t, enc) {
		t.Error("ciphertext of the changed value did not change")
	}
	if got, want := ageEncs(t, out), ageEncs(t, enc); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Error("age enc stanzas changed; the data key must be reused (sops edit semantics)")
	}
	info, err := Inspect(out)
	if err != nil {
		t.Fatal(err)
	}
	if !info.LastModified.Equal(later) {
		t.Errorf("lastmodified = %v, want %v", info.LastModified, later)
	}
	dec, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+key.file)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, dec, newPlain)
	assertNoLeak(t, "output", out)

	// Syncing the result again is a no-op.
	if again, changed, err := c.Sync(out, newPlain, later.Add(time.Hour)); err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("second Sync: changed = %v, err = %v; want unchanged", changed, err)
	}
}

// TestSyncMetadataChanged checks the byte-identical ciphertext of unchanged values: only a
// plaintext label changes, so data keeps its ciphertext while lastmodified and mac change.
func TestSyncMetadataChanged(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key.recipient}})
	enc, err := c.Encrypt(secretYAML(secretOpts{}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	// Also reorder the JSON: the data value is the same credential, so it keeps its old text.
	newPlain := secretYAML(secretOpts{label: "green", reordered: true})
	out, changed, err := c.Sync(enc, newPlain, later)
	if err != nil {
		t.Fatal(err)
	}
	if !changed {
		t.Fatal("changed = false after a label change")
	}
	if dataValue(t, out) != dataValue(t, enc) {
		t.Error("ciphertext of an unchanged value changed")
	}
	if got, want := ageEncs(t, out), ageEncs(t, enc); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Error("age enc stanzas changed")
	}
	if field(parseYAML(t, out), "sops", "mac") == field(parseYAML(t, enc), "sops", "mac") {
		t.Error("mac unchanged after a change of a MAC-covered value")
	}
	dec, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+key.file)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, dec, newPlain)
}

func TestSyncRecipientsAdded(t *testing.T) {
	isolateKeys(t)
	oldKey, newKey := newAgeKey(t), newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", oldKey.file)
	path := filepath.Join(t.TempDir(), "s.yaml")
	plain := secretYAML(secretOpts{})
	enc, err := mustConfig(t, path, Recipients{Age: []string{oldKey.recipient}}).Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	c := mustConfig(t, path, Recipients{Age: []string{oldKey.recipient, newKey.recipient}})

	for name, p := range map[string][]byte{"same plaintext": plain, "nil plaintext": nil} {
		t.Run(name, func(t *testing.T) {
			out, changed, err := c.Sync(enc, p, later)
			if err != nil {
				t.Fatal(err)
			}
			if !changed {
				t.Fatal("changed = false after adding a recipient")
			}
			if dataValue(t, out) != dataValue(t, enc) {
				t.Error("data ciphertext changed; only the keys should be re-wrapped")
			}
			before, after := parseYAML(t, enc), parseYAML(t, out)
			for _, f := range []string{"mac", "lastmodified"} {
				if field(before, "sops", f) != field(after, "sops", f) {
					t.Errorf("sops.%s changed; updatekeys leaves it alone", f)
				}
			}
			info, err := Inspect(out)
			if err != nil {
				t.Fatal(err)
			}
			if !c.SameRecipients(info) {
				t.Errorf("recipients = %v", info.Recipients)
			}
			// The new recipient alone decrypts it, with the real sops binary.
			dec, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+newKey.file)
			if err != nil {
				t.Fatal(err)
			}
			assertSameSecret(t, dec, plain)
			// And the result is stable.
			if _, changed, err := c.Sync(out, p, later); err != nil || changed {
				t.Fatalf("second Sync: changed = %v, err = %v", changed, err)
			}
		})
	}

	// Recipients removed and value changed at once: the removed key can no longer decrypt.
	only := mustConfig(t, path, Recipients{Age: []string{newKey.recipient}})
	newPlain := secretYAML(secretOpts{password: "FAKE-rotated-password-0003"})
	out, changed, err := only.Sync(enc, newPlain, later)
	if err != nil || !changed {
		t.Fatalf("Sync: changed = %v, err = %v", changed, err)
	}
	if _, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+oldKey.file); err == nil {
		t.Error("a removed recipient can still decrypt")
	}
	dec, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+newKey.file)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, dec, newPlain)
}

func TestSyncSettingsChanged(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	repo := t.TempDir()
	path := filepath.Join(repo, "s.yaml")
	plain := secretYAML(secretOpts{})
	enc, err := mustConfig(t, path, Recipients{Age: []string{key.recipient}}).Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, repo, ".sops.yaml", "creation_rules:\n  - mac_only_encrypted: true\n    age: "+key.recipient+"\n")
	c := mustConfig(t, path, Recipients{})
	out, changed, err := c.Sync(enc, nil, later)
	if err != nil || !changed {
		t.Fatalf("Sync: changed = %v, err = %v; want changed", changed, err)
	}
	info, err := Inspect(out)
	if err != nil || !info.MACOnlyEncrypted {
		t.Fatalf("Inspect = %+v, %v; want mac_only_encrypted", info, err)
	}
	if dataValue(t, out) != dataValue(t, enc) {
		t.Error("data ciphertext changed though the value did not")
	}
	dec, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+key.file)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, dec, plain)
}

func TestSyncNoKey(t *testing.T) {
	isolateKeys(t)
	key, stranger := newAgeKey(t), newAgeKey(t)
	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key.recipient}})
	enc, err := c.Encrypt(secretYAML(secretOpts{}), testNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("no key at all", func(t *testing.T) {
		_, _, err := c.Sync(enc, secretYAML(secretOpts{}), later)
		if !errors.Is(err, ErrNoDecryptionKey) {
			t.Fatalf("err = %v, want ErrNoDecryptionKey", err)
		}
	})
	t.Run("someone else's key", func(t *testing.T) {
		t.Setenv("SOPS_AGE_KEY_FILE", stranger.file)
		_, _, err := c.Sync(enc, nil, later)
		if !errors.Is(err, ErrNoDecryptionKey) {
			t.Fatalf("err = %v, want ErrNoDecryptionKey", err)
		}
		if !strings.Contains(err.Error(), key.recipient) {
			t.Errorf("error should name the file's recipients: %v", err)
		}
	})
}

func TestSyncErrors(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{Age: []string{key.recipient}})
	plain := secretYAML(secretOpts{})
	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ existing, plain []byte }{
		"existing is plaintext":     {plain, plain},
		"existing was tampered":     {bytes.Replace(enc, []byte("team: blue"), []byte("team: red"), 1), plain},
		"plaintext value in data":   {bytes.Replace(enc, []byte(dataValue(t, enc)), []byte(fakePassword), 1), plain},
		"new plaintext has 2 docs":  {enc, append(append(bytes.Clone(plain), "---\n"...), plain...)},
		"new plaintext is a scalar": {enc, []byte(fakePassword)},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := c.Sync(tc.existing, tc.plain, later)
			if err == nil {
				t.Fatal("Sync succeeded")
			}
			if errors.Is(err, ErrNoDecryptionKey) {
				t.Fatalf("err = %v: not a missing-key case", err)
			}
			assertNoLeak(t, "error", []byte(err.Error()))
			t.Logf("error: %v", err)
		})
	}
}

// TestSyncFileFromSopsCLI starts from files written by the real `sops encrypt`: one with the
// same settings acrgen uses is left alone; one with the CLI defaults (every value encrypted)
// is converted, keeping the data value's ciphertext.
func TestSyncFileFromSopsCLI(t *testing.T) {
	isolateKeys(t)
	key := newAgeKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", key.file)
	sops := testtool.Path(t, "sops")
	dir := t.TempDir()
	plain := secretYAML(secretOpts{}) // fake credential: fine on disk in a test
	plainFile := writeFile(t, dir, "plain.yaml", string(plain))
	cliEncrypt := func(t *testing.T, extra ...string) []byte {
		t.Helper()
		args := append([]string{"encrypt", "--age", key.recipient, "--input-type", "yaml", "--output-type", "yaml"}, extra...)
		cmd := exec.Command(sops, append(args, plainFile)...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sops encrypt: %v: %s", err, stderr.String())
		}
		return out
	}
	c := mustConfig(t, filepath.Join(dir, "regcred.yaml"), Recipients{Age: []string{key.recipient}})

	t.Run("same settings", func(t *testing.T) {
		enc := cliEncrypt(t, "--encrypted-regex", "^(data|stringData)$")
		out, changed, err := c.Sync(enc, plain, later)
		if err != nil {
			t.Fatal(err)
		}
		if changed || !bytes.Equal(out, enc) {
			t.Fatal("a sops CLI file with the same content, keys and settings was rewritten")
		}
	})

	t.Run("CLI defaults", func(t *testing.T) {
		enc := cliEncrypt(t)
		if v, _ := field(parseYAML(t, enc), "kind").(string); !strings.HasPrefix(v, "ENC[") {
			t.Fatalf("expected the CLI default to encrypt kind, got %q", v)
		}
		out, changed, err := c.Sync(enc, plain, later)
		if err != nil {
			t.Fatal(err)
		}
		if !changed {
			t.Fatal("changed = false, but the encryption settings differ")
		}
		m := parseYAML(t, out)
		if field(m, "kind") != "Secret" || field(m, "sops", "encrypted_regex") != "^(data|stringData)$" {
			t.Fatalf("kind = %v, encrypted_regex = %v", field(m, "kind"), field(m, "sops", "encrypted_regex"))
		}
		if _, ok := field(m, "sops", "unencrypted_suffix").(string); ok {
			t.Error("unencrypted_suffix left in the metadata")
		}
		if dataValue(t, out) != dataValue(t, enc) {
			t.Error("data ciphertext changed though the value did not")
		}
		dec, err := sopsDecrypt(t, out, "SOPS_AGE_KEY_FILE="+key.file)
		if err != nil {
			t.Fatal(err)
		}
		assertSameSecret(t, dec, plain)
	})
}
