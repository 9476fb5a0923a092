package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func saDeployment(name, sa, extra string) string {
	return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\nspec:\n  selector:\n    matchLabels:\n      app: " + name +
		"\n  template:\n    metadata:\n      labels:\n        app: " + name + "\n    spec:\n" + sa + extra + "      containers:\n      - name: app\n        image: myregistry.azurecr.io/" + name + ":v1\n"
}

// After render --service-account, a plain check, render and patch see every workload served
// through its ServiceAccount (one from a base, patched, included): no flag to repeat.
func TestCheckAfterServiceAccountRender(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "base/kustomization.yaml"), "resources:\n- sa.yaml\n- web.yaml\n")
	write(t, filepath.Join(root, "base/sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n")
	write(t, filepath.Join(root, "base/web.yaml"), saDeployment("web", "      serviceAccountName: web\n", ""))
	write(t, filepath.Join(root, "app/kustomization.yaml"), "namespace: prod\nresources:\n- ../base\n- local.yaml\n")
	write(t, filepath.Join(root, "app/local.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n---\n"+
		saDeployment("worker", "", "")+"---\n"+saDeployment("legacy", "      serviceAccount: web\n", "")+"---\n"+saDeployment("own", "", "      imagePullSecrets:\n      - name: other\n"))
	dir := filepath.Join(root, "app")
	keyFile, recipient := ageKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	r := acrgen(t, testPassword, map[string]string{}, "render", dir, "-r", "myregistry", "--service-account", "-u", testUser, "--password-stdin", "--age", recipient)
	if r.code != 0 {
		t.Fatalf("render --service-account: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); c.code != 0 {
		t.Fatalf("check after render --service-account: want exit 0, got %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	for _, args := range [][]string{{"render", dir, "-r", "myregistry", "--check", "--age", recipient}, {"patch", dir, "-r", "myregistry", "--check"}} {
		if c := acrgen(t, "", nil, args...); c.code != 0 {
			t.Fatalf("%q after render --service-account: want exit 0, got %d\n%s%s", args, c.code, c.stdout, c.stderr)
		}
	}
	assertNoLeak(t, root, r.stdout, r.stderr)
}

// A ServiceAccount's pull secrets do not count for a workload that lists its own (Kubernetes
// copies them only into pods that list none), nor when the ServiceAccount is not in the tree
// or does not list the secret.
func TestCheckServiceAccountNotEnough(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- sa.yaml\n- apps.yaml\n")
	write(t, filepath.Join(dir, "sa.yaml"), "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\nimagePullSecrets:\n- name: acr-secret\n---\n"+
		"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bare\n")
	write(t, filepath.Join(dir, "apps.yaml"), saDeployment("fine", "", "")+"---\n"+
		saDeployment("own", "", "      imagePullSecrets:\n      - name: other\n")+"---\n"+
		saDeployment("ghost", "      serviceAccountName: ghost\n", "")+"---\n"+
		saDeployment("bare", "      serviceAccountName: bare\n", ""))
	keyFile, recipient := ageKey(t)
	t.Setenv("SOPS_AGE_KEY_FILE", keyFile)
	r := acrgen(t, "", nil, "check", dir, "-r", "myregistry")
	if r.code != exitDrift {
		t.Fatalf("want exit 1, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, name := range []string{"own", "ghost", "bare"} {
		if !strings.Contains(r.stdout, "Deployment "+name+" (spec.template.spec) pulls from myregistry.azurecr.io but does not reference") {
			t.Errorf("Deployment %s not reported:\n%s", name, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "Deployment fine") {
		t.Errorf("Deployment fine runs as a ServiceAccount that lists the secret:\n%s", r.stdout)
	}
	// render patches exactly those three, and then check passes.
	r = acrgen(t, testPassword, map[string]string{}, "render", dir, "-r", "myregistry", "-u", testUser, "--password-stdin", "--age", recipient)
	if r.code != 0 || strings.Count(r.stdout, ": adding imagePullSecrets acr-secret") != 3 || strings.Contains(r.stdout, "Deployment fine") {
		t.Fatalf("render: want the three patched, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if c := acrgen(t, "", nil, "check", dir, "-r", "myregistry"); c.code != 0 {
		t.Fatalf("check after render: %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	assertNoLeak(t, dir, r.stdout, r.stderr)
}
