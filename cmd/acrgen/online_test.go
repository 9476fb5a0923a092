package main

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// check --online, as users run it: the binary, the emulated registry reached through its
// proxy (HTTPS_PROXY) and trusted through SSL_CERT_FILE, the Secret decrypted with the key sops
// finds. Every image pulls: exit 0. The password removed in Azure: exit 1, each image's
// credential refused. No key: exit 1, not checked. In each case and each output format, the
// password and its base64 never reach the output. Plain check stays offline: it cannot know,
// and passes.
func TestCheckOnline(t *testing.T) {
	testtool.Path(t, "sops")
	tl := newTimeline(t, "--sp-name", "acr-pull-prod")
	tl.must(tl.main)
	app := tl.srv.Applications()[0]
	pw := app.Passwords[0]
	env := append(append([]string(nil), tl.env...), "HTTPS_PROXY="+tl.srv.ProxyURL())
	secrets := []string{pw.Secret, base64.StdEncoding.EncodeToString([]byte(app.AppID + ":" + pw.Secret))}
	check := func(env []string, format string, want int, wants ...string) {
		t.Helper()
		r := runBinary(t, env, tl.main, "check", "overlays/prod", "--registry", "myregistry", "--online", "--output", format)
		if r.code != want {
			t.Errorf("check --online -o %s: exit %d, want %d\n%s%s", format, r.code, want, r.stdout, r.stderr)
		}
		for _, w := range wants {
			if !strings.Contains(r.stdout+r.stderr, w) {
				t.Errorf("check --online -o %s does not say %q:\n%s%s", format, w, r.stdout, r.stderr)
			}
		}
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Fatalf("check --online -o %s printed the password", format)
			}
		}
	}
	formats := map[string]string{"text": "note: myregistry.azurecr.io/", "json": `"code": "ACR090"`, "sarif": `"ruleId": "ACR090"`, "github": "ACR090"}
	for format, w := range formats {
		check(env, format, exitOK, w, "pulls with the credential in Secret acr-secret")
	}
	check(env, "text", exitOK, "ok: every workload")

	if err := tl.srv.RemoveApplicationPassword(app.ID, pw.KeyID); err != nil {
		t.Fatal(err)
	}
	failed := map[string]string{"text": "problem: myregistry.azurecr.io/", "json": `"code": "ACR091"`, "sarif": `"ruleId": "ACR091"`, "github": "::error "}
	for format, w := range failed {
		check(env, format, exitDrift, w, "the registry refuses the credential in Secret acr-secret")
	}
	if r := runBinary(t, env, tl.main, "check", "overlays/prod", "--registry", "myregistry"); r.code != exitOK {
		t.Errorf("plain check: exit %d, want 0 (it does not ask the registry)\n%s%s", r.code, r.stdout, r.stderr)
	}

	home := t.TempDir()
	var bare []string
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "SOPS_AGE_") && k != "HOME" && k != "XDG_CONFIG_HOME" && k != "GNUPGHOME" {
			bare = append(bare, kv)
		}
	}
	bare = append(bare, "HOME="+home, "GNUPGHOME="+filepath.Join(home, ".gnupg"))
	if err := os.MkdirAll(filepath.Join(home, ".gnupg"), 0o700); err != nil {
		t.Fatal(err)
	}
	for format := range formats {
		check(bare, format, exitDrift, "could not be checked: no key decrypts it here")
	}
}
