package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// badNames are the path-shaped and otherwise invalid names an attacker (or a typo) can give.
var badNames = []string{"../../../escaped", "x/../../../ns-escaped", "/abs", "UPPER", "a b", ".", "..", "-x", "a\nb",
	strings.Repeat("a", 183), strings.Repeat("a", 300)}

const testRecipient = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"

// nestedTree makes root/a/b/c holding a workload that would be patched, so that a name
// climbing three levels lands inside root, where the snapshot sees it.
func nestedTree(t *testing.T, files map[string]string) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	dir = filepath.Join(root, "a", "b", "c")
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	for name, content := range files {
		write(t, filepath.Join(dir, name), content)
	}
	return root, dir
}

// runAll runs render (with a credential), patch and check, and provision when withProvision,
// on dir with extra arguments; each must exit 2 with a message matching want, and nothing
// under root may change.
func runAll(t *testing.T, root, dir string, withProvision bool, want string, extra ...string) {
	t.Helper()
	before := testtool.Snapshot(t, root)
	cmds := []string{"render", "patch", "check"}
	if withProvision {
		cmds = append(cmds, "provision")
	}
	for _, cmd := range cmds {
		args := append([]string{cmd, dir, "-r", "myregistry"}, extra...)
		stdin := ""
		if cmd == "render" {
			args = append(args, "-u", testUser, "--password-stdin", "--age", testRecipient)
			stdin = testPassword
		}
		r := acrgen(t, stdin, map[string]string{}, args...)
		if r.code != exitUsage {
			t.Fatalf("%s %q: want exit 2, got %d\n%s%s", cmd, extra, r.code, r.stdout, r.stderr)
		}
		if !regexp.MustCompile(want).MatchString(r.stderr) {
			t.Fatalf("%s %q: error does not match %q:\n%s", cmd, extra, want, r.stderr)
		}
		assertNoLeak(t, root, r.stdout, r.stderr)
	}
	if d := diffSnap(before, testtool.Snapshot(t, root)); d != "" {
		t.Fatalf("%q: files touched: %s", extra, d)
	}
}

// A bad --secret-name or --namespace is refused before anything is read or written, by every
// command, with the flag named.
func TestBadNameFlags(t *testing.T) {
	root, dir := nestedTree(t, nil)
	for _, bad := range badNames {
		runAll(t, root, dir, true, `^acrgen: error: --secret-name: .*(not a valid Secret name|bytes long: at most 182)`, "--secret-name="+bad)
		runAll(t, root, dir, true, `^acrgen: error: --namespace: .*(not a valid namespace|at most 63)`, "--namespace="+bad)
	}
	// The value in its own argument, and a valid name before a bad one, are refused alike.
	runAll(t, root, dir, true, `--secret-name: "\.\./\.\./\.\./escaped" is not a valid Secret name`, "--secret-name", "../../../escaped")
	runAll(t, root, dir, true, `--namespace: "-x" is not a valid namespace`, "-n", "prod", "--namespace", "-x")
	if _, err := os.Stat(filepath.Join(root, "escaped.enc.yaml")); err == nil {
		t.Fatal("escaped.enc.yaml was written above DIR")
	}
}

// A bad namespace read from the tree, from a manifest's metadata.namespace or from a
// kustomization's namespace:, is exit 2 naming the file and line, and nothing is written.
func TestBadNamespaceInTree(t *testing.T) {
	for _, bad := range badNames {
		deployment := strings.Replace(goodDeployment, "  name: good\n", "  name: good\n  namespace: \""+strings.ReplaceAll(bad, "\n", `\n`)+"\"\n", 1)
		root, dir := nestedTree(t, map[string]string{"good.yaml": deployment})
		runAll(t, root, dir, false, `good\.yaml:5: Deployment good: metadata\.namespace .*(not a valid namespace|at most 63)`)

		root, dir = nestedTree(t, map[string]string{"kustomization.yaml": "resources:\n- good.yaml\nnamespace: \"" + strings.ReplaceAll(bad, "\n", `\n`) + "\"\n"})
		runAll(t, root, dir, false, `kustomization\.yaml:3: namespace: .*(not a valid namespace|at most 63)`)
	}
	// The namespace of a base, below the root, is read too.
	root, dir := nestedTree(t, map[string]string{"kustomization.yaml": "resources:\n- ../base\n"})
	write(t, filepath.Join(root, "a/b/base/kustomization.yaml"), "namespace: x/../../../ns-escaped\nresources:\n- d.yaml\n")
	write(t, filepath.Join(root, "a/b/base/d.yaml"), goodDeployment)
	runAll(t, root, dir, false, `base/kustomization\.yaml:1: namespace: "x/\.\./\.\./\.\./ns-escaped" is not a valid namespace`)
}

// A namespace that holds a ${VAR} (Flux's postBuild fills it in) is resolved only where a Flux
// Kustomization substitutes it. Elsewhere an object that needs no pull secret is a warning
// naming file, line and object, and the run goes on; a workload that pulls from the registry
// there, or a ServiceAccount acrgen may have to patch, is exit 2, and nothing is written.
func TestNamespaceVariables(t *testing.T) {
	sa := "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n  namespace: \"${CLUSTER_NAME}\"\n"
	// Issue 18: resources: [sa.yaml], sa.yaml a ServiceAccount in that namespace.
	dir := t.TempDir()
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources: [sa.yaml]\n")
	write(t, filepath.Join(dir, "sa.yaml"), sa)
	r := acrgen(t, "", map[string]string{}, "check", dir, "-r", "myregistry")
	if r.code != exitOK || !strings.Contains(r.stderr, `sa.yaml:5: warning: ServiceAccount sa: metadata.namespace "${CLUSTER_NAME}" holds a variable that nothing acrgen reads substitutes (CLUSTER_NAME; Flux's postBuild substitutes it when it applies the directory)`) {
		t.Fatalf("want exit 0 and a warning naming sa.yaml:5, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	deployment := strings.Replace(goodDeployment, "  name: good\n", "  name: good\n  namespace: ${CLUSTER_NAME}\n", 1)
	root, dir := nestedTree(t, map[string]string{"good.yaml": deployment, "sa.yaml": sa})
	runAll(t, root, dir, false, `good\.yaml:5: Deployment good: metadata\.namespace "\$\{CLUSTER_NAME\}" holds a variable that nothing acrgen reads substitutes \(CLUSTER_NAME\), and it pulls from myregistry\.azurecr\.io: acrgen cannot tell which namespace\. Set CLUSTER_NAME in spec\.postBuild\.substitute`)

	// With --service-account, a ServiceAccount of the name the workload runs as, whose
	// namespace is unknown, may be the one to patch.
	root, dir = nestedTree(t, map[string]string{"good.yaml": strings.Replace(goodDeployment, "    spec:\n", "    spec:\n      serviceAccountName: sa\n", 1), "sa.yaml": sa})
	runAll(t, root, dir, false, `sa\.yaml:5: ServiceAccount sa: metadata\.namespace "\$\{CLUSTER_NAME\}" holds a variable .* pods that pull from the registry run as a ServiceAccount sa that is missing from the default namespace \(this may be it\)`, "--service-account")
}

// A kustomization's own namespace: holding a ${VAR} follows the same rule (kustomize and Flux
// build it; Flux's postBuild fills it in): one warning naming the field when nothing in that
// namespace needs the pull secret, exit 2 naming the field and the object where something
// does. TestFluxSpecFields proves the case a Flux Kustomization substitutes with Flux's build.
func TestKustomizationNamespaceVariable(t *testing.T) {
	sa := "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa\n"
	dir := t.TempDir()
	write(t, filepath.Join(dir, "kustomization.yaml"), "namespace: ${CLUSTER_NAME}\nresources: [sa.yaml, cm.yaml]\n")
	write(t, filepath.Join(dir, "sa.yaml"), sa)
	write(t, filepath.Join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n")
	r := acrgen(t, "", map[string]string{}, "check", dir, "-r", "myregistry")
	want := `kustomization.yaml:1: warning: namespace: "${CLUSTER_NAME}" holds a variable that nothing acrgen reads substitutes (CLUSTER_NAME; Flux's postBuild substitutes it when it applies the directory): acrgen cannot tell the namespace of the resources this kustomization places, and leaves those that need no pull secret out of its verdict`
	if r.code != exitOK || strings.Count(r.stderr, want) != 1 || strings.Contains(r.stderr, "ServiceAccount sa") {
		t.Fatalf("want exit 0 and one warning naming kustomization.yaml:1 (none per object), got %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	root, dir := nestedTree(t, map[string]string{"kustomization.yaml": "resources:\n- good.yaml\nnamespace: \"${CLUSTER_NAME}\"\n"})
	runAll(t, root, dir, false, `kustomization\.yaml:3: Deployment good \(.*good\.yaml\): namespace "\$\{CLUSTER_NAME\}" holds a variable that nothing acrgen reads substitutes \(CLUSTER_NAME\), and it pulls from myregistry\.azurecr\.io: acrgen cannot tell which namespace\. Set CLUSTER_NAME in spec\.postBuild\.substitute`)

	// With --service-account, a ServiceAccount that a base puts in an unknown namespace may be
	// the one the workload runs as.
	root, dir = nestedTree(t, map[string]string{"kustomization.yaml": "resources:\n- good.yaml\n- ../base\n",
		"good.yaml": strings.Replace(goodDeployment, "    spec:\n", "    spec:\n      serviceAccountName: sa\n", 1)})
	write(t, filepath.Join(root, "a/b/base/kustomization.yaml"), "resources:\n- sa.yaml\nnamespace: team-${TEAM}\n")
	write(t, filepath.Join(root, "a/b/base/sa.yaml"), sa)
	runAll(t, root, dir, false, `base/kustomization\.yaml:3: ServiceAccount sa \(.*base/sa\.yaml\): namespace "team-\$\{TEAM\}" holds a variable .* pods that pull from the registry run as a ServiceAccount sa that is missing from the default namespace \(this may be it\)`, "--service-account")
}

// The longest Secret name and the longest namespace together still make a file name that
// fits in 255 bytes: the limits are exactly right.
func TestLongestNamesRender(t *testing.T) {
	dir := t.TempDir()
	ns := strings.Repeat("n", 63)
	name := strings.Repeat("s", 182)
	write(t, filepath.Join(dir, "good.yaml"), strings.Replace(goodDeployment, "  name: good\n", "  name: good\n  namespace: "+ns+"\n", 1))
	r := acrgen(t, testPassword, map[string]string{}, "render", dir, "-r", "myregistry", "--secret-name", name, "-u", testUser, "--password-stdin", "--age", testRecipient)
	if r.code != 0 {
		t.Fatalf("render: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	file := name + "." + ns + ".enc.yaml"
	if len(file) != 255 {
		t.Fatalf("file name is %d bytes", len(file))
	}
	if _, err := os.Stat(filepath.Join(dir, file)); err != nil {
		t.Fatal(err)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
}
