package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// The long and short forms of a repeatable flag mix, and every value counts, in order.
func TestMixedFlagForms(t *testing.T) {
	deployment := func(name, ns, registry string) string {
		return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
			"\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: " + registry + ".azurecr.io/app:v1\n"
	}
	for _, args := range [][]string{
		{"--registry", "rega", "-r", "regb", "--namespace", "x", "-n", "y"},
		{"-r", "rega", "--registry=regb", "-n=x", "--namespace", "y"},
		{"-r=rega", "-r", "regb", "-n", "x", "-n", "y"},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, "x.yaml"), deployment("in-x", "x", "rega"))
		write(t, filepath.Join(dir, "y.yaml"), deployment("in-y", "y", "regb"))
		write(t, filepath.Join(dir, "z.yaml"), deployment("in-z", "z", "rega"))
		r := acrgen(t, "", nil, append([]string{"patch", dir}, args...)...)
		if r.code != 0 {
			t.Fatalf("%q: %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			"Deployment in-x in namespace x (spec.template.spec) pulls from rega.azurecr.io:",
			"Deployment in-y in namespace y (spec.template.spec) pulls from regb.azurecr.io:",
		} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%q: want %q in\n%s", args, want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, "in-z") || strings.Contains(r.stderr, "no workload") {
			t.Errorf("%q: namespace z is not selected, and both registries are used:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}
