package encrypt

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// TestPGPRoundTrip encrypts for a throwaway PGP key in a temporary GnuPG home and decrypts with
// the real sops binary. sops' PGP key source runs gpg, which reads GNUPGHOME from this process.
func TestPGPRoundTrip(t *testing.T) {
	gpg := testtool.Path(t, "gpg")
	home, err := os.MkdirTemp("", "gpg") // short path: gpg-agent's socket path is limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	runGPG := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(gpg, append([]string{"--batch", "--homedir", home}, args...)...)
		cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		// Stop the agent gpg started for this home (gpgconf comes with gpg).
		if gpgconf, err := exec.LookPath("gpgconf"); err == nil {
			cmd := exec.Command(gpgconf, "--kill", "gpg-agent")
			cmd.Env = append(os.Environ(), "GNUPGHOME="+home)
			_ = cmd.Run()
		}
	})
	runGPG("--passphrase", "", "--quick-gen-key", "acrgen test <test@acrgen.invalid>", "default", "default", "never")
	var fpr string
	for _, line := range strings.Split(runGPG("--with-colons", "--list-keys"), "\n") {
		if f := strings.Split(line, ":"); len(f) > 9 && f[0] == "fpr" {
			fpr = f[9]
			break
		}
	}
	if len(fpr) != 40 && len(fpr) != 64 {
		t.Fatalf("no fingerprint found (got %q)", fpr)
	}

	t.Setenv("GNUPGHOME", home)
	c := mustConfig(t, filepath.Join(t.TempDir(), "s.yaml"), Recipients{PGP: []string{strings.ToLower(fpr)}})
	plain := secretYAML(secretOpts{})
	enc, err := c.Encrypt(plain, testNow)
	if err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, "encrypted file", enc)
	info, err := Inspect(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Recipients.PGP) != 1 || !strings.EqualFold(info.Recipients.PGP[0], fpr) {
		t.Fatalf("pgp recipients = %v, want %s", info.Recipients.PGP, fpr)
	}
	if !c.SameRecipients(Info{Recipients: Recipients{PGP: []string{fpr}}}) {
		t.Error("SameRecipients must compare fingerprints case-insensitively")
	}
	out, err := sopsDecrypt(t, enc, "GNUPGHOME="+home)
	if err != nil {
		t.Fatal(err)
	}
	assertSameSecret(t, out, plain)

	// Sync decrypts through gpg too.
	if got, changed, err := c.Sync(enc, plain, later); err != nil || changed || !bytes.Equal(got, enc) {
		t.Fatalf("Sync: changed = %v, err = %v; want unchanged", changed, err)
	}
}

// TestAzureKeyVault checks what works offline: a versioned key URL needs no network to build a
// Config, and Encrypt fails (it must reach Key Vault) with an error instead of hanging. The
// vault host is under .invalid, which never resolves; the Azure SDK retries a few times, so
// this takes about 10 seconds. An unversioned URL is not tested: sops resolves its version
// over the network in ConfigFor.
func TestAzureKeyVault(t *testing.T) {
	t.Parallel()
	const url = "https://acrgen-test.vault.invalid/keys/acrgen-sops/0123456789abcdef0123456789abcdef"
	c, err := ConfigFor(filepath.Join(t.TempDir(), "s.yaml"), "", Recipients{AzureKV: []string{url}})
	if err != nil {
		t.Fatalf("ConfigFor with a versioned key URL: %v", err)
	}
	if !c.SameRecipients(Info{Recipients: Recipients{AzureKV: []string{url}}}) {
		t.Errorf("keys = %v, want %s", flatKeyIDs(c.groups), url)
	}

	start := time.Now()
	_, err = c.Encrypt(secretYAML(secretOpts{}), testNow)
	if err == nil {
		t.Fatal("Encrypt for an unreachable Key Vault succeeded")
	}
	if d := time.Since(start); d > 2*time.Minute {
		t.Errorf("Encrypt took %v to fail", d)
	}
	if !strings.Contains(err.Error(), "acrgen-sops") {
		t.Errorf("error should name the key: %v", err)
	}
	assertNoLeak(t, "error", []byte(err.Error()))

	for _, bad := range []string{
		"http://acrgen-test.vault.invalid/keys/k/v", // not https
		"https://acrgen-test.vault.invalid/secrets/k/v",
		"https://acrgen-test.vault.invalid/keys/k/v/extra",
	} {
		if _, err := ConfigFor(filepath.Join(t.TempDir(), "s.yaml"), "", Recipients{AzureKV: []string{bad}}); err == nil {
			t.Errorf("ConfigFor accepted %s", bad)
		}
	}
}
