package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/finding"
)

// check's "ok" is a promise about what acrgen could see: when part of the tree is out of its
// sight (here a Helm chart that kustomize would inflate), the verdict says so and counts the
// warnings; a tree it sees whole gets the plain "ok" (the quick-start script checks that one
// end to end).
func TestOkVerdictNamesWhatWasNotSeen(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: busybox:1\n")
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- pod.yaml\n")
	if v := finding.Verdict(nil); !strings.HasPrefix(v, "ok: every workload") {
		t.Fatalf("with no warning: %q, want the plain ok", v)
	}
	write(t, filepath.Join(dir, "kustomization.yaml"), "resources:\n- pod.yaml\nhelmCharts:\n- name: app\n  repo: https://charts.example.com\n  version: 1.0.0\n")
	r := acrgen(t, "", nil, "check", dir, "--registry", "otherregistry.example.com")
	if r.code != exitOK {
		t.Fatalf("want exit 0 (warnings do not fail check), got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "ok: every workload") || !strings.Contains(r.stdout, "ok, as far as acrgen could see") || !strings.Contains(r.stdout, "warning(s) above name what it could not see") {
		t.Errorf("with a chart acrgen cannot see into, the verdict must say what it could not see:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "warning:") {
		t.Errorf("no warning on stderr:\n%s", r.stderr)
	}
	// --strict: every warning is a problem, in every output format (issue 18 §2).
	r = acrgen(t, "", nil, "check", dir, "--registry", "otherregistry.example.com", "--strict")
	if r.code != exitDrift || strings.Contains(r.stdout, "ok") || !strings.Contains(r.stdout, "problem(s) found") || !strings.Contains(r.stdout, "problem: helmCharts are not inspected") {
		t.Errorf("check --strict: want exit 1 with the warnings as problems, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = acrgen(t, "", nil, "check", dir, "--registry", "otherregistry.example.com", "--strict", "-o", "json")
	if r.code != exitDrift || !strings.Contains(r.stdout, `"problem": 2,`) || !strings.Contains(r.stdout, `"warning": 0`) {
		t.Errorf("check --strict -o json: want exit 1 and the warnings counted as problems, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
