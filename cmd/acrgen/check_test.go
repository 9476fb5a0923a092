package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// renderedTree renders goodDeployment's directory with a fresh age key; it returns the
// directory and the Secret file.
func renderedTree(t *testing.T, extra ...string) (dir, secret, recipient string) {
	t.Helper()
	dir = t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	keyFile, recipient := ageKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	r := acrgen(t, testPassword, map[string]string{}, append([]string{"render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient}, extra...)...)
	if r.code != 0 {
		t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return dir, filepath.Join(dir, "acr-secret.enc.yaml"), recipient
}

// edit rewrites a file with a regexp replacement, which must match.
func edit(t *testing.T, path, re, repl string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rx := regexp.MustCompile(re)
	if !rx.Match(b) {
		t.Fatalf("%s does not match %s", path, re)
	}
	write(t, path, rx.ReplaceAllString(string(b), repl))
}

// check must not pass a Secret that is not what it claims to be: every data and stringData
// value encrypted, and sops metadata with recipients, a mac, lastmodified and version.
// render without a credential refuses it; render with one re-creates it.
func TestCheckTamperedSecret(t *testing.T) {
	cases := []struct {
		name, re, repl, want string
	}{
		{"plain base64", `(\.dockerconfigjson: )ENC\[[^\]]*\]`, "${1}e30=", `data\.\.dockerconfigjson is not encrypted`},
		{"added stringData", `\nsops:`, "\nstringData:\n    password: x\nsops:", `stringData\.password is not encrypted`},
		{"no recipients", `(?m)^    age:\n( {8,}.*\n)+`, "", `lists no recipient`},
		{"no mac", `(?m)^    mac: .*\n`, "", `has no mac`},
		{"no version", `(?m)^    version: .*\n`, "", `has no version`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, secret, recipient := renderedTree(t)
			edit(t, secret, c.re, c.repl)
			r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
			want := regexp.MustCompile(`(?m)^\S*acr-secret\.enc\.yaml:\d+: problem: Secret acr-secret: .*` + c.want)
			if r.code != exitDrift || !want.MatchString(r.stdout) || strings.Contains(r.stdout, "ok:") {
				t.Fatalf("check: want exit 1 and %s, got %d\n%s%s", want, r.code, r.stdout, r.stderr)
			}
			before := testtool.Snapshot(t, dir)
			r = acrgen(t, "", nil, "render", dir, "-r", "myregistry", "--age", recipient)
			if r.code != exitUsage || !regexp.MustCompile(`problem: Secret acr-secret cannot be kept \(.*`+c.want).MatchString(r.stderr) {
				t.Fatalf("render without a credential: want exit 2, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
				t.Fatalf("files touched: %s", d)
			}
			r = acrgen(t, testPassword, map[string]string{}, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient)
			if r.code != 0 || !regexp.MustCompile(`warning: Secret acr-secret was not well-formed sops \(.*`+c.want+`.*\); it is re-created with the credential given`).MatchString(r.stderr) {
				t.Fatalf("render with a credential: want the Secret re-created, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if r := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); r.code != 0 {
				t.Fatalf("check after render: %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			assertNoLeak(t, dir, r.stdout, r.stderr)
		})
	}
}

// An expired credential fails check; --expiry-warning sets how early check warns; render
// refuses an --expires in the past.
func TestCheckExpiry(t *testing.T) {
	dir, secret, recipient := renderedTree(t, "--expires", "2099-01-01")
	check := func(extra ...string) result {
		return acrgen(t, "", nil, append([]string{"check", dir, "-r", "myregistry"}, extra...)...)
	}
	if r := check(); r.code != 0 || strings.Contains(r.stderr, "expire") {
		t.Fatalf("far from expiry: want exit 0 without a warning, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The edits below break the Secret's MAC, which check verifies with a key (see
	// TestCheckVerifiesMAC); without one, it reads the annotations as they are.
	noKeys(t)

	edit(t, secret, `acrgen\.dev/expires: .*`, `acrgen.dev/expires: "2001-01-01T00:00:00Z"`)
	r := check()
	if r.code != exitDrift || !strings.Contains(r.stdout, secret+":1: problem: the credential in Secret acr-secret expired on 2001-01-01T00:00:00Z") {
		t.Fatalf("expired: want exit 1 naming the file, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := check("--expiry-warning", "0"); r.code != exitDrift {
		t.Fatalf("expired, warnings off: still exit 1, got %d", r.code)
	}

	edit(t, secret, `acrgen\.dev/expires: .*`, `acrgen.dev/expires: "next year"`)
	if r := check(); r.code != exitDrift || !strings.Contains(r.stdout, "annotation acrgen.dev/expires") {
		t.Fatalf("unreadable expiry: want exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	soon := time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339)
	edit(t, secret, `acrgen\.dev/expires: .*`, `acrgen.dev/expires: "`+soon+`"`)
	for _, c := range []struct {
		flag []string
		warn bool
	}{
		{nil, true}, {[]string{"--expiry-warning", "30d"}, true}, {[]string{"--expiry-warning=720h"}, true},
		{[]string{"--expiry-warning", "5d"}, false}, {[]string{"--expiry-warning", "0"}, false},
	} {
		r := check(c.flag...)
		if r.code != 0 || (strings.Contains(r.stderr, "warning: the credential in Secret acr-secret expires on "+soon) && strings.Contains(r.stderr, "hint: rotate it soon")) != c.warn {
			t.Errorf("%q: want exit 0, warning %v; got %d\n%s", c.flag, c.warn, r.code, r.stderr)
		}
	}
	for _, bad := range []string{"-1d", "-5h", "soon", "30", ""} {
		for _, cmd := range []string{"check", "patch", "render"} {
			r := acrgen(t, "", nil, cmd, dir, "-r", "myregistry", "--expiry-warning", bad)
			if r.code != exitUsage || !strings.HasPrefix(r.stderr, "acrgen: error: --expiry-warning: ") {
				t.Errorf("%s --expiry-warning %q: want exit 2 naming the flag, got %d\n%s", cmd, bad, r.code, r.stderr)
			}
		}
	}

	before := testtool.Snapshot(t, dir)
	for _, past := range []string{"2001-01-01", time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)} {
		r := acrgen(t, testPassword, map[string]string{}, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient, "--expires", past)
		if r.code != exitUsage || !strings.Contains(r.stderr, "is in the past") {
			t.Fatalf("--expires %s: want exit 2, got %d\n%s%s", past, r.code, r.stdout, r.stderr)
		}
		assertNoLeak(t, dir, r.stdout, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
}

// A Secret that shares its file with other objects is input render and check both refuse,
// with the same message: acrgen re-encrypts whole files.
func TestSecretSharingItsFile(t *testing.T) {
	for _, c := range []struct {
		name string
		wrap func(secret string) string
		line int
		want string
	}{
		{"another document", func(s string) string { return s + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n" }, 1, "shares this file with other documents"},
		{"a List", func(s string) string {
			return "apiVersion: v1\nkind: List\nitems:\n- " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
		}, 4, "is an item of a List"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, secret, recipient := renderedTree(t)
			b, err := os.ReadFile(secret)
			if err != nil {
				t.Fatal(err)
			}
			write(t, secret, c.wrap(string(b)))
			before := testtool.Snapshot(t, dir)
			want := "acrgen: error: " + secret + ":" + string(rune('0'+c.line)) + ": Secret acr-secret " + c.want + "; acrgen re-encrypts whole files: move it to a file of its own\n"
			for _, args := range [][]string{
				{"check", dir, "-r", "myregistry"},
				{"render", dir, "-r", "myregistry"},
				{"render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient},
			} {
				r := acrgen(t, testPassword, map[string]string{}, args...)
				if r.code != exitUsage || !strings.HasSuffix(r.stderr, want) {
					t.Fatalf("%q: want exit 2 and\n%s got %d\n%s%s", args, want, r.code, r.stdout, r.stderr)
				}
				assertNoLeak(t, dir, r.stdout, r.stderr)
			}
			if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
				t.Fatalf("files touched: %s", d)
			}
		})
	}
}
