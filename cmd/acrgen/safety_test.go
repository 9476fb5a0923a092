package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: good
spec:
  template:
    spec:
      containers:
      - name: app
        image: myregistry.azurecr.io/app:v1
`

// TestBadInput: each broken tree gets exit 2 with the file (and line) named, and no file
// is touched, although the tree also holds a workload that would otherwise be patched.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		setup func(t *testing.T, dir string)
		args  []string
		want  string // regexp the error must match
	}{
		{
			name:  "malformed yaml",
			files: map[string]string{"bad.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\nspec:\n  containers:\n  - image: myregistry.azurecr.io/x\n"},
			want:  `bad\.yaml:5: `,
		},
		{
			name:  "helm template",
			files: map[string]string{"tmpl.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\nspec: {}\n{{- end }}\n"},
			want:  `tmpl\.yaml:\d+: unrendered template`,
		},
		{
			name:  "quoted-free helm value that parses",
			files: map[string]string{"tmpl.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n"},
			want:  `tmpl\.yaml:4: unrendered template`,
		},
		{
			name:  "missing resource",
			files: map[string]string{"kustomization.yaml": "resources:\n- good.yaml\n- missing.yaml\n"},
			want:  `kustomization\.yaml:3: .*missing\.yaml does not exist`,
		},
		{
			name:  "remote base",
			files: map[string]string{"kustomization.yaml": "resources:\n- good.yaml\n- https://github.com/example/repo//base?ref=v1\n"},
			want:  `kustomization\.yaml:3: remote resource`,
		},
		{
			name:  "non utf-8",
			files: map[string]string{"latin1.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n"},
			want:  `latin1\.yaml:4: not valid UTF-8`,
		},
		{
			name:  "huge file",
			files: map[string]string{"big.yaml": "# " + strings.Repeat("x", 4096) + "\n"},
			args:  []string{"--max-file-size", "1024"},
			want:  `big\.yaml: file is 4099 bytes, more than the 1024-byte limit`,
		},
		{
			name: "symlink leaving the directory",
			setup: func(t *testing.T, dir string) {
				outside := filepath.Join(t.TempDir(), "outside.yaml")
				write(t, outside, goodDeployment)
				if err := os.Symlink(outside, filepath.Join(dir, "link.yaml")); err != nil {
					t.Fatal(err)
				}
			},
			want: `link\.yaml: symlink leaves the directory`,
		},
		{
			name:  "bad kustomization field",
			files: map[string]string{"kustomization.yaml": "resources:\n- good.yaml\nresourcez:\n- x.yaml\n"},
			want:  `kustomization\.yaml: invalid Kustomization`,
		},
		{
			name:  "alias pod spec",
			files: map[string]string{"alias.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: &s\n    containers:\n    - name: a\n      image: myregistry.azurecr.io/a\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec: *s\n"},
			want:  `alias\.yaml.*YAML alias`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
			for name, content := range c.files {
				write(t, filepath.Join(dir, name), content)
			}
			if c.setup != nil {
				c.setup(t, dir)
			}
			before := testtool.Snapshot(t, dir)
			for _, cmd := range []string{"patch", "render", "check"} {
				args := append([]string{cmd, dir, "-r", "myregistry"}, c.args...)
				stdin := ""
				if cmd == "render" {
					args = append(args, "-u", testUser, "--password-stdin", "--age", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
					stdin = testPassword
				}
				r := acrgen(t, stdin, nil, args...)
				if r.code != exitUsage {
					t.Fatalf("%s: want exit 2, got %d\n%s%s", cmd, r.code, r.stdout, r.stderr)
				}
				if !regexp.MustCompile(c.want).MatchString(r.stderr) {
					t.Fatalf("%s: error does not match %q:\n%s", cmd, c.want, r.stderr)
				}
				assertNoLeak(t, dir, r.stdout, r.stderr)
			}
			if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
				t.Fatalf("files touched: %s", d)
			}
		})
	}
}

func TestPasswordNeverFromArgv(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, dir)
	for _, arg := range []string{"--password=" + testPassword, "--password", "-p", "--docker-password=" + testPassword} {
		r := acrgen(t, "", nil, "render", dir, "-r", "myregistry", "-u", testUser, arg, testPassword)
		if r.code != exitUsage || !strings.Contains(r.stderr, "never read from the command line") {
			t.Fatalf("%s: want exit 2 refusing argv passwords, got %d: %s", arg, r.code, r.stderr)
		}
		assertNoLeak(t, dir, r.stdout, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
}

func TestPasswordSources(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	pwFile := filepath.Join(t.TempDir(), "pw")
	write(t, pwFile, testPassword+"\n")
	keyFile, recipient := ageKey(t)
	r := acrgen(t, "", map[string]string{"ACRGEN_PASSWORD": testPassword}, "render", dir, "-r", "myregistry", "-u", testUser, "--password-file", pwFile, "--age", recipient)
	if r.code != exitUsage || !strings.Contains(r.stderr, "one place only") {
		t.Fatalf("two password sources: want exit 2, got %d %s", r.code, r.stderr)
	}
	r = acrgen(t, "", nil, "render", dir, "-r", "myregistry", "-u", testUser, "--password-file", pwFile, "--age", recipient)
	if r.code != 0 {
		t.Fatalf("--password-file: %d %s", r.code, r.stderr)
	}
	if got, want := dataField(t, sopsDecrypt(t, filepath.Join(dir, "acr-secret.enc.yaml"), keyFile)), kubectlDockerConfig(t, "myregistry.azurecr.io"); got != want {
		t.Fatalf("--password-file: the trailing newline must be dropped\n got %s\nwant %s", got, want)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
}

// An encryption failure (an Azure Key Vault key that cannot be reached) exits 3 and leaks
// nothing, and writes nothing.
func TestEncryptionFailureExit3(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, dir)
	r := acrgen(t, testPassword, map[string]string{}, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin",
		"--azure-kv", "https://127.0.0.1:1/keys/acrgen/0123456789abcdef0123456789abcdef")
	if r.code != exitRemote {
		t.Fatalf("want exit 3, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
}

// --check writes nothing and exits 1 when something would change; --diff shows the change.
func TestCheckAndDiffFlags(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	before := testtool.Snapshot(t, dir)
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--check", "--diff")
	if r.code != exitDrift || !strings.Contains(r.stdout, "+      imagePullSecrets:") {
		t.Fatalf("patch --check --diff: want exit 1 and a diff, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("--check wrote: %s", d)
	}
	// --diff alone previews: the diff on stdout (and nothing else there), no file written.
	prev := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--diff")
	if prev.code != 0 || !strings.HasPrefix(prev.stdout, "--- a/") || strings.Contains(prev.stdout, "adding imagePullSecrets") {
		t.Fatalf("patch --diff: want exit 0 and only a diff on stdout, got %d\n%s", prev.code, prev.stdout)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("--diff wrote: %s", d)
	}
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != 0 {
		t.Fatalf("patch: %d %s", r.code, r.stderr)
	}
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--check"); r.code != 0 {
		t.Fatalf("patch --check after patch: %d %s %s", r.code, r.stdout, r.stderr)
	}
	// check still fails: the Secret is missing.
	c := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	if c.code != exitDrift || !strings.Contains(c.stdout, "no Secret acr-secret") {
		t.Fatalf("check: want the missing Secret reported, got %d\n%s", c.code, c.stdout)
	}
}

// check reports a Secret that is not SOPS-encrypted.
func TestCheckUnencryptedSecret(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), strings.Replace(goodDeployment, "      containers:", "      imagePullSecrets:\n      - name: acr-secret\n      containers:", 1))
	write(t, filepath.Join(dir, "secret.yaml"), "apiVersion: v1\nkind: Secret\nmetadata:\n  name: acr-secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: e30=\n")
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	if r.code != exitDrift || !strings.Contains(r.stdout, "is not SOPS-encrypted") {
		t.Fatalf("want the plaintext Secret reported, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// helmCharts are not bad input: the run goes on, with a warning that the chart is not seen.
func TestHelmChartsWarn(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- good.yaml\nhelmCharts:\n- name: podinfo\n  repo: https://stefanprodan.github.io/podinfo\n  version: 6.5.0\n")
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
	if r.code != 0 || !strings.Contains(r.stderr, "helmCharts are not inspected") {
		t.Fatalf("want exit 0 with a warning, got %d\n%s", r.code, r.stderr)
	}
}

// A registry no workload pulls from (a typo, most often) is pointed out rather than reported
// as a clean "ok".
func TestUnusedRegistryWarns(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistyr")
	if !strings.Contains(r.stderr, "pulls from myregistyr.azurecr.io") || !strings.Contains(r.stderr, "a typo?") {
		t.Fatalf("want a warning about the unused registry, got:\n%s", r.stderr)
	}
}
