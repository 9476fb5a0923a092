package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// webDeployment is a Deployment named web that pulls image.
func webDeployment(image string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n" +
		"  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: app\n        image: " + image + "\n"
}

// TestJSONPatchFileForms: a JSON 6902 patch file is read whatever kustomize accepts before its
// operations (licence comments, a "---" line) and in JSON form, and the workload it points at
// the registry gets the secret in kustomize's own build.
func TestJSONPatchFileForms(t *testing.T) {
	ops := "- op: replace\n  path: /spec/template/spec/containers/0/image\n  value: myregistry.azurecr.io/web:2\n"
	forms := map[string]string{
		"licence comment":    "# Copyright 2024 Example Authors\n#\n# SPDX-License-Identifier: Apache-2.0\n\n" + ops,
		"document header":    "---\n" + ops,
		"comment and header": "# Copyright 2024\n---\n" + ops,
		"json array":         `[{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "myregistry.azurecr.io/web:2"}]` + "\n",
		"indented json":      "\n  [\n    {\"op\": \"replace\", \"path\": \"/spec/template/spec/containers/0/image\", \"value\": \"myregistry.azurecr.io/web:2\"}\n  ]",
	}
	for name, text := range forms {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- web.yaml\n")
			write(t, filepath.Join(root, "base/web.yaml"), webDeployment("docker.io/library/web:1"))
			write(t, filepath.Join(root, "overlay/kustomization.yaml"), "resources:\n- ../base\npatches: [{target: {kind: Deployment}, path: ops.yaml}]\n")
			write(t, filepath.Join(root, "overlay/ops.yaml"), text)
			dir := filepath.Join(root, "overlay")
			kustomizeBuild(t, dir) // kustomize accepts the tree
			r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
			if r.code != 0 {
				t.Fatalf("patch: %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			objs := parseBuild(t, kustomizeBuild(t, dir))
			if len(objs) != 1 || fmt.Sprint(objs[0].specs[0].SecretNames()) != "[acr-secret]" {
				t.Fatalf("build after patch: want web with acr-secret\n%s", kustomizeBuild(t, dir))
			}
		})
	}
}

// TestBadPatchFileIsShort: a patch kustomize cannot read is exit 2 naming the file, and the
// message does not quote the file.
func TestBadPatchFileIsShort(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "web.yaml"), webDeployment("myregistry.azurecr.io/web:1"))
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- web.yaml\npatches: [{target: {kind: Deployment}, path: ops.yaml}]\n")
	body := strings.Repeat("# filler line that must not be echoed\n", 20)
	write(t, filepath.Join(dir, "ops.yaml"), body+"// not yaml\n[{\"op\": \"add\"}]\n")
	before := testtool.Snapshot(t, dir)
	r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry")
	if r.code != exitUsage || !regexp.MustCompile(`ops\.yaml: `).MatchString(r.stderr) {
		t.Fatalf("want exit 2 naming ops.yaml, got %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "filler line") || len(r.stderr) > 600 {
		t.Fatalf("the error quotes the file:\n%s", r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Fatalf("files touched: %s", d)
	}
}

// TestDiffAppliesWithGit: --diff output is a patch git apply accepts, for files with and
// without a final line ending (LF and CRLF), and applying it gives what a real run writes.
func TestDiffAppliesWithGit(t *testing.T) {
	git := testtool.Path(t, "git")
	pod := func(name, nl string) string {
		return strings.ReplaceAll("apiVersion: v1\nkind: Pod\nmetadata:\n  name: "+name+"\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/a:v1", "\n", nl)
	}
	files := map[string]string{
		"normal.yaml":     pod("normal", "\n") + "\n",
		"nonl.yaml":       pod("nonl", "\n"),
		"crlf-nonl.yaml":  pod("crlf-nonl", "\r\n"),
		"crlf.yaml":       pod("crlf", "\r\n") + "\r\n",
		"nonl-other.yaml": pod("mid", "\n") + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: last\ndata:\n  k: v",
	}
	dir := t.TempDir()
	for name, content := range files {
		write(t, filepath.Join(dir, name), content)
	}
	t.Chdir(dir)
	r := acrgen(t, "", nil, "patch", ".", "-r", "myregistry", "--diff")
	if r.code != 0 || !strings.Contains(r.stdout, "\\ No newline at end of file") {
		t.Fatalf("patch --diff: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	patchFile := filepath.Join(t.TempDir(), "acrgen.diff")
	write(t, patchFile, r.stdout)
	applied := t.TempDir()
	for name, content := range files {
		write(t, filepath.Join(applied, name), content)
	}
	for _, args := range [][]string{{"apply", "--check", patchFile}, {"apply", patchFile}} {
		cmd := exec.Command(git, args...)
		cmd.Dir = applied
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s\n%s", args, err, out, r.stdout)
		}
	}
	if w := acrgen(t, "", nil, "patch", ".", "-r", "myregistry"); w.code != 0 {
		t.Fatalf("patch: %d %s", w.code, w.stderr)
	}
	if d := diffSnap(testtool.Snapshot(t, dir), testtool.Snapshot(t, applied)); d != "" {
		t.Fatalf("git apply of --diff differs from what patch wrote: %s", d)
	}
}

// aliasesAccepted are workloads whose images kustomize reads through YAML aliases and merge
// keys, and whose pod specs acrgen can still edit in place.
var aliasesAccepted = map[string]string{
	"image-alias.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: image-alias\n  annotations:\n    image: &img myregistry.azurecr.io/m:v1\n" +
		"spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: *img\n",
	"inline-merge.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: inline-merge\nspec:\n  containers:\n  - <<: {image: myregistry.azurecr.io/m2:v1}\n    name: b\n",
	"alias-merge.yaml":  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: alias-merge\n  labels: &base\n    name: c\n    image: myregistry.azurecr.io/c:v1\nspec:\n  containers:\n  - <<: *base\n",
	"containers-alias.yaml": "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: containers-anchor}\n  spec:\n    containers: &c\n    - name: e\n      image: myregistry.azurecr.io/e:v1\n" +
		"- apiVersion: v1\n  kind: Pod\n  metadata: {name: containers-alias}\n  spec:\n    containers: *c\n",
}

// TestYAMLAliasesAreSeen: images behind aliases and merge keys pull from the registry in
// kustomize's build, so check reports them, patch adds the secret, and the build agrees.
func TestYAMLAliasesAreSeen(t *testing.T) {
	dir := t.TempDir()
	k := "resources:\n"
	for name, content := range aliasesAccepted {
		write(t, filepath.Join(dir, name), content)
		k += "- " + name + "\n"
	}
	write(t, filepath.Join(dir, "kustomization.yaml"), k)
	before := parseBuild(t, kustomizeBuild(t, dir))
	if len(before) != 5 {
		t.Fatalf("kustomize builds %d objects, want 5", len(before))
	}
	c := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	for _, name := range []string{"image-alias", "inline-merge", "alias-merge", "containers-anchor", "containers-alias"} {
		if c.code != exitDrift || !strings.Contains(c.stdout, " "+name+" ") {
			t.Errorf("check does not report %s: %d\n%s%s", name, c.code, c.stdout, c.stderr)
		}
	}
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != 0 || strings.Count(r.stdout, "adding imagePullSecrets") != 5 {
		t.Fatalf("patch: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, o := range parseBuild(t, kustomizeBuild(t, dir)) {
		if got := fmt.Sprint(o.specs[0].SecretNames()); got != "[acr-secret]" {
			t.Errorf("%s after patch: imagePullSecrets %s in the build, want [acr-secret]", o.res.Name, got)
		}
	}
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--check"); r.code != 0 {
		t.Fatalf("second patch would change files: %d\n%s", r.code, r.stdout)
	}
}

// TestRefusedInput: an edit that would go through a YAML alias or merge key, and template
// text in an image, are exit 2 naming the file and line, in patch, render and check alike, and
// nothing is written.
func TestRefusedInput(t *testing.T) {
	cases := []struct{ name, file, content, want string }{
		{"pod spec anchor", "spec.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n  spec: &s\n    containers:\n    - name: a\n      image: myregistry.azurecr.io/a\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b}\n  spec: *s\n",
			`spec\.yaml:7: Pod a: spec carries a YAML anchor \(&s\)`},
		{"pod spec through merge key", "template.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  labels: &t\n    spec:\n      containers:\n      - name: a\n        image: myregistry.azurecr.io/a\nspec:\n  template:\n    <<: *t\n",
			`template\.yaml:12: Deployment d: spec\.template\.spec comes from a YAML merge key`},
		{"imagePullSecrets alias", "ips.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    x: &ips\n    - name: other\nspec:\n  imagePullSecrets: *ips\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/a\n",
			`ips\.yaml:9: Pod p: spec\.imagePullSecrets is a YAML alias \(\*ips\)`},
		{"imagePullSecrets anchor", "ipsanchor.yaml", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    imagePullSecrets: &ips\n    - name: other\n    containers:\n    - name: a\n      image: myregistry.azurecr.io/a\n" +
			"- apiVersion: v1\n  kind: Pod\n  metadata: {name: q}\n  spec:\n    imagePullSecrets: *ips\n    containers:\n    - name: a\n      image: docker.io/library/busybox:1\n",
			`ipsanchor\.yaml:8: Pod p: spec\.imagePullSecrets carries a YAML anchor \(&ips\)`},
		{"imagePullSecrets merged", "merged.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: &common\n    imagePullSecrets: [{name: other}]\nspec:\n  <<: *common\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/a\n",
			`merged\.yaml:8: Pod p: spec\.imagePullSecrets comes from a YAML merge key`},
		{"template in a tag", "tag.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/x:{{ .Values.tag }}\n",
			`tag\.yaml:8: Pod "p": unrendered template`},
		{"quoted template image", "quoted.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: \"{{ .Values.image }}\"\n",
			`quoted\.yaml:8: Pod "p": unrendered template`},
		{"template in a pull secret", "secret.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  imagePullSecrets:\n  - name: \"{{ .Values.secret }}\"\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/x:1\n",
			`secret\.yaml:7: Pod "p": unrendered template`},
		{"duplicate key in a workload", "dup.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/x:1\n    image: myregistry.azurecr.io/x:2\n",
			`dup\.yaml:9: mapping key "image" already defined at line 8`},
		{"duplicate key in the kustomization", "kustomization.yaml", "resources:\n- good.yaml\nnamespace: a\nnamespace: b\n",
			`kustomization\.yaml:4: mapping key "namespace" already defined at line 3`},
		{"duplicate key in a file that cannot matter", "cm.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\"\n  a: \"2\"\n",
			`cm\.yaml:12: mapping key "a" already defined at line 11`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
			write(t, filepath.Join(dir, c.file), c.content)
			before := testtool.Snapshot(t, dir)
			for _, cmd := range []string{"patch", "render", "check"} {
				args := []string{cmd, dir, "-r", "myregistry"}
				stdin := ""
				if cmd == "render" {
					args = append(args, "-u", testUser, "--password-stdin", "--age", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")
					stdin = testPassword
				}
				r := acrgen(t, stdin, nil, args...)
				if r.code != exitUsage || !regexp.MustCompile(c.want).MatchString(r.stderr) {
					t.Fatalf("%s: want exit 2 matching %q, got %d\n%s%s", cmd, c.want, r.code, r.stdout, r.stderr)
				}
			}
			if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
				t.Fatalf("files touched: %s", d)
			}
		})
	}
}

// TestTemplateThroughKustomization: an images: entry or a patch that sets template text as an
// image is exit 2 too.
func TestTemplateThroughKustomization(t *testing.T) {
	for name, k := range map[string]string{
		"images":  "resources:\n- web.yaml\nimages:\n- name: myregistry.azurecr.io/web\n  newTag: \"{{ .Values.tag }}\"\n",
		"patches": "resources:\n- web.yaml\npatches:\n- target: {kind: Deployment}\n  patch: |-\n    - op: replace\n      path: /spec/template/spec/containers/0/image\n      value: \"{{ .Values.image }}\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			write(t, filepath.Join(dir, "web.yaml"), webDeployment("myregistry.azurecr.io/web:1"))
			write(t, filepath.Join(dir, "kustomization.yaml"), k)
			before := testtool.Snapshot(t, dir)
			for _, cmd := range []string{"patch", "check"} {
				r := acrgen(t, "", nil, cmd, dir, "-r", "myregistry")
				if r.code != exitUsage || !regexp.MustCompile(`web\.yaml: .*Deployment "web": .*unrendered template`).MatchString(r.stderr) {
					t.Fatalf("%s: want exit 2 naming web.yaml, got %d\n%s%s", cmd, r.code, r.stdout, r.stderr)
				}
			}
			if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
				t.Fatalf("files touched: %s", d)
			}
		})
	}
}

// TestAliasInSharedBase: a workload from outside the directory whose image is a YAML alias is
// seen through patches on the way (kustomize expands the alias before it patches), and gets
// the secret through acrgen's patch file.
func TestAliasInSharedBase(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- web.yaml\n")
	write(t, filepath.Join(root, "base/web.yaml"), strings.Replace(webDeployment("*img"), "  name: web\n", "  name: web\n  annotations:\n    image: &img myregistry.azurecr.io/web:1\n", 1))
	write(t, filepath.Join(root, "overlay/kustomization.yaml"), "resources:\n- ../base\npatches:\n- target: {kind: Deployment}\n  patch: |-\n    - op: add\n      path: /metadata/labels\n      value: {team: a}\n")
	dir := filepath.Join(root, "overlay")
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != 0 {
		t.Fatalf("patch: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	objs := parseBuild(t, kustomizeBuild(t, dir))
	if len(objs) != 1 || fmt.Sprint(objs[0].specs[0].SecretNames()) != "[acr-secret]" {
		t.Fatalf("build after patch: want web with acr-secret\n%s", kustomizeBuild(t, dir))
	}
}

// TestKustomizationEndingKept: when acrgen adds its patch file to a kustomization that ends
// without a line ending, or uses CRLF, the file keeps that ending.
func TestKustomizationEndingKept(t *testing.T) {
	for name, nl := range map[string]string{"lf": "\n", "crlf": "\r\n"} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- web.yaml\n")
			write(t, filepath.Join(root, "base/web.yaml"), webDeployment("myregistry.azurecr.io/web:1"))
			k := strings.ReplaceAll("resources:\n- ../base", "\n", nl)
			write(t, filepath.Join(root, "overlay/kustomization.yaml"), k)
			dir := filepath.Join(root, "overlay")
			if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != 0 {
				t.Fatalf("patch: %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(b), k+nl+strings.ReplaceAll("patches:\n- path: acr-secret.patch.yaml", "\n", nl); got != want {
				t.Fatalf("kustomization.yaml:\n%q\nwant:\n%q", got, want)
			}
			objs := parseBuild(t, kustomizeBuild(t, dir))
			if len(objs) != 1 || fmt.Sprint(objs[0].specs[0].SecretNames()) != "[acr-secret]" {
				t.Fatalf("build after patch:\n%s", kustomizeBuild(t, dir))
			}
		})
	}
}
