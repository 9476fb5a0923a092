package encrypt

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigForSopsYAML checks that the .sops.yaml creation rule is picked like the sops CLI
// picks it: first match, path relative to the .sops.yaml directory.
func TestConfigForSopsYAML(t *testing.T) {
	prod, apps, flag := newAgeKey(t), newAgeKey(t), newAgeKey(t)
	shamirA, shamirB, shamirC := newAgeKey(t), newAgeKey(t), newAgeKey(t)
	repo := t.TempDir()
	writeFile(t, repo, ".sops.yaml", fmt.Sprintf(`stores:
  yaml:
    indent: 2
creation_rules:
  - path_regex: ^clusters/prod/.*\.yaml$
    mac_only_encrypted: true
    age: %s
  - path_regex: ^shamir/
    shamir_threshold: 2
    key_groups:
      - age: [%s]
      - age: [%s]
      - age: [%s]
  - path_regex: \.yaml$
    unencrypted_regex: ^kind$
    age: >-
      %s
`, prod.recipient, shamirA.recipient, shamirB.recipient, shamirC.recipient, apps.recipient))
	plain := secretYAML(secretOpts{})

	encryptAt := func(t *testing.T, rel string, flags Recipients) ([]byte, Info) {
		t.Helper()
		c, err := ConfigFor(filepath.Join(repo, filepath.FromSlash(rel)), repo, flags)
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.Encrypt(plain, testNow)
		if err != nil {
			t.Fatal(err)
		}
		info, err := Inspect(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !c.SameRecipients(info) {
			t.Errorf("SameRecipients(own output) = false")
		}
		if info.EncryptedRegex != "^(data|stringData)$" {
			t.Errorf("encrypted_regex = %q: the rule's regex settings must be ignored", info.EncryptedRegex)
		}
		return enc, info
	}

	t.Run("specific rule first, mac_only_encrypted honoured", func(t *testing.T) {
		enc, info := encryptAt(t, "clusters/prod/regcred.yaml", Recipients{})
		if got := info.Recipients.Age; len(got) != 1 || got[0] != prod.recipient {
			t.Fatalf("recipients = %v, want the prod rule's key", got)
		}
		if !info.MACOnlyEncrypted {
			t.Fatal("mac_only_encrypted not honoured")
		}
		if !bytes.Contains(enc, []byte("\n  name: regcred\n")) {
			t.Errorf("stores.yaml.indent 2 not honoured:\n%s", enc)
		}
		// mac_only_encrypted: editing plaintext metadata keeps the MAC valid for sops -d.
		edited := bytes.Replace(enc, []byte("name: regcred"), []byte("name: regcred-2"), 1)
		if _, err := sopsDecrypt(t, edited, "SOPS_AGE_KEY_FILE="+prod.file); err != nil {
			t.Fatalf("sops -d after a metadata edit with mac_only_encrypted: %v", err)
		}
	})

	t.Run("catch-all rule last", func(t *testing.T) {
		enc, info := encryptAt(t, "apps/regcred.yaml", Recipients{})
		if got := info.Recipients.Age; len(got) != 1 || got[0] != apps.recipient {
			t.Fatalf("recipients = %v, want the catch-all rule's key", got)
		}
		if info.MACOnlyEncrypted {
			t.Fatal("mac_only_encrypted set without the rule asking")
		}
		if got := field(parseYAML(t, enc), "kind"); got != "Secret" {
			t.Fatalf("kind = %v: the rule's unencrypted_regex must not change what is encrypted", got)
		}
		out, err := sopsDecrypt(t, enc, "SOPS_AGE_KEY_FILE="+apps.file)
		if err != nil {
			t.Fatal(err)
		}
		assertSameSecret(t, out, plain)
		// Without mac_only_encrypted the MAC covers metadata: an edit breaks sops -d.
		edited := bytes.Replace(enc, []byte("name: regcred"), []byte("name: regcred-2"), 1)
		if _, err := sopsDecrypt(t, edited, "SOPS_AGE_KEY_FILE="+apps.file); err == nil {
			t.Fatal("sops -d accepted a metadata edit without mac_only_encrypted")
		}
	})

	t.Run("path is relative to the .sops.yaml directory", func(t *testing.T) {
		// ^clusters/prod/ must not match when the repo itself sits under such a path.
		nested := filepath.Join(repo, "apps", "clusters", "prod", "regcred.yaml")
		c, err := ConfigFor(nested, repo, Recipients{})
		if err != nil {
			t.Fatal(err)
		}
		if c.source != filepath.Join(repo, ".sops.yaml") {
			t.Errorf("config source = %q", c.source)
		}
		if got := flatKeyIDs(c.groups); len(got) != 1 || got[0] != "age:"+apps.recipient {
			t.Fatalf("keys = %v, want the catch-all rule's", got)
		}
	})

	t.Run("key groups and shamir threshold", func(t *testing.T) {
		enc, info := encryptAt(t, "shamir/regcred.yaml", Recipients{})
		if len(info.Recipients.Age) != 3 {
			t.Fatalf("recipients = %v, want the three groups' keys", info.Recipients.Age)
		}
		if got := field(parseYAML(t, enc), "sops", "shamir_threshold"); got != 2 {
			t.Errorf("shamir_threshold = %v, want 2", got)
		}
		if got := field(parseYAML(t, enc), "sops", "key_groups"); len(got.([]any)) != 3 {
			t.Errorf("key_groups = %v, want 3 groups", got)
		}
		// Threshold 2 of 3 groups: one key is not enough, any two are.
		if _, err := sopsDecrypt(t, enc, "SOPS_AGE_KEY_FILE="+shamirA.file); err == nil {
			t.Error("one key group out of three decrypted a threshold-2 file")
		}
		out, err := sopsDecrypt(t, enc, "SOPS_AGE_KEY_FILE="+shamirA.file, "SOPS_AGE_KEY="+readKey(t, shamirC))
		if err != nil {
			t.Fatal(err)
		}
		assertSameSecret(t, out, plain)
	})

	t.Run("shamir threshold 1 is rejected early", func(t *testing.T) {
		dir := t.TempDir()
		writeFile(t, dir, ".sops.yaml", fmt.Sprintf("creation_rules:\n  - shamir_threshold: 1\n    key_groups:\n      - age: [%s]\n      - age: [%s]\n", shamirA.recipient, shamirB.recipient))
		if _, err := ConfigFor(filepath.Join(dir, "s.yaml"), dir, Recipients{}); err == nil || !strings.Contains(err.Error(), "shamir_threshold") {
			t.Fatalf("err = %v, want a shamir_threshold error", err)
		}
	})

	t.Run("flags override the file", func(t *testing.T) {
		enc, info := encryptAt(t, "clusters/prod/regcred.yaml", Recipients{Age: []string{flag.recipient}})
		if got := info.Recipients.Age; len(got) != 1 || got[0] != flag.recipient {
			t.Fatalf("recipients = %v, want only the flag's key", got)
		}
		if !info.MACOnlyEncrypted {
			t.Error("with flags, mac_only_encrypted still comes from the matching rule (as with the sops CLI)")
		}
		if _, err := sopsDecrypt(t, enc, "SOPS_AGE_KEY_FILE="+prod.file); err == nil {
			t.Error("the rule's key can decrypt, but flags should have replaced it")
		}
		if _, err := sopsDecrypt(t, enc, "SOPS_AGE_KEY_FILE="+flag.file); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("flags work where no rule matches", func(t *testing.T) {
		_, info := encryptAt(t, "apps/regcred.json", Recipients{Age: []string{flag.recipient}})
		if got := info.Recipients.Age; len(got) != 1 || got[0] != flag.recipient {
			t.Fatalf("recipients = %v", got)
		}
	})

	t.Run("no rule matches", func(t *testing.T) {
		path := filepath.Join(repo, "apps", "regcred.json")
		_, err := ConfigFor(path, repo, Recipients{})
		if err == nil {
			t.Fatal("ConfigFor succeeded without a matching rule")
		}
		// How to give recipients is the caller's to say (flags for the CLI, fields for the function).
		var nk *NoKeysError
		if !errors.As(err, &nk) || nk.RuleWithoutKeys {
			t.Errorf("error %v: want a NoKeysError for a missing rule", err)
		}
		for _, want := range []string{path, ".sops.yaml", "creation rule"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		}
	})
}

func TestConfigForWithoutSopsYAML(t *testing.T) {
	top := t.TempDir()
	path := filepath.Join(top, "deep", "dir", "regcred.yaml")
	_, err := ConfigFor(path, top, Recipients{})
	if err == nil {
		t.Fatal("ConfigFor succeeded without flags or .sops.yaml")
	}
	var nk *NoKeysError
	if !errors.As(err, &nk) || nk.RuleWithoutKeys {
		t.Errorf("error %v: want a NoKeysError for a missing rule", err)
	}
	for _, want := range []string{path, ".sops.yaml"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestConfigForRuleWithoutKeys(t *testing.T) {
	repo := t.TempDir()
	writeFile(t, repo, ".sops.yaml", "creation_rules:\n  - path_regex: \\.yaml$\n    mac_only_encrypted: true\n")
	path := filepath.Join(repo, "regcred.yaml")
	if _, err := ConfigFor(path, repo, Recipients{}); err == nil || !strings.Contains(err.Error(), "no keys") {
		t.Fatalf("err = %v, want a no-keys error", err)
	}
	// Flags supply the keys; the rule still supplies mac_only_encrypted.
	c := mustConfig(t, path, Recipients{Age: []string{newAgeKey(t).recipient}})
	if !c.macOnly {
		t.Error("mac_only_encrypted from the rule not honoured with flags")
	}
}

func TestConfigForBrokenSopsYAML(t *testing.T) {
	repo := t.TempDir()
	writeFile(t, repo, ".sops.yaml", "creation_rules:\n  - path_regex: \"(\"\n    age: x\n")
	if _, err := ConfigFor(filepath.Join(repo, "regcred.yaml"), repo, Recipients{}); err == nil {
		t.Fatal("ConfigFor accepted an invalid path_regex")
	}
}

// The search for .sops.yaml stops at top (the repository's top level): a .sops.yaml above it
// does not choose the recipients (issue 18), one at or below it does and is named by Source,
// and one that is a symlink leading out of top is an error.
func TestConfigForStopsAtTheTop(t *testing.T) {
	above, inside := newAgeKey(t), newAgeKey(t)
	parent := t.TempDir()
	repo := filepath.Join(parent, "repo")
	secret := filepath.Join(repo, "clusters", "prod", "regcred.yaml")
	writeFile(t, parent, ".sops.yaml", "creation_rules:\n  - age: "+above.recipient+"\n")
	writeFile(t, filepath.Dir(secret), "kustomization.yaml", "resources: []\n")

	_, err := ConfigFor(secret, repo, Recipients{})
	var nk *NoKeysError
	if !errors.As(err, &nk) || !strings.Contains(err.Error(), "up to "+repo) {
		t.Fatalf("a .sops.yaml above the top was used, or the error does not say where the search stopped: %v", err)
	}

	writeFile(t, repo, ".sops.yaml", "creation_rules:\n  - age: "+inside.recipient+"\n")
	c, err := ConfigFor(secret, repo, Recipients{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Source() != filepath.Join(repo, ".sops.yaml") || flatKeyIDs(c.groups)[0] != "age:"+inside.recipient {
		t.Errorf("source %q, keys %v: want the repository's .sops.yaml", c.Source(), flatKeyIDs(c.groups))
	}
	if c, err := ConfigFor(secret, repo, Recipients{Age: []string{above.recipient}}); err != nil || c.Source() != "" {
		t.Errorf("with flags, source %q (%v): want none", c.Source(), err)
	}

	// A symlink in the repository that leads to the .sops.yaml above it is refused.
	if err := os.Remove(filepath.Join(repo, ".sops.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(parent, ".sops.yaml"), filepath.Join(repo, ".sops.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := ConfigFor(secret, repo, Recipients{}); err == nil || !strings.Contains(err.Error(), "symlink that leads out of "+repo) {
		t.Errorf("want the symlink leading out refused, got %v", err)
	}
	// Without a top (outside any repository), the nearest .sops.yaml above counts, as for sops.
	if err := os.Remove(filepath.Join(repo, ".sops.yaml")); err != nil {
		t.Fatal(err)
	}
	if c, err := ConfigFor(secret, "", Recipients{}); err != nil || c.Source() != filepath.Join(parent, ".sops.yaml") {
		t.Errorf("without a top: source %q, %v", c.Source(), err)
	}
}
