package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

var update = flag.Bool("update", false, "rewrite golden files from the actual output")

// goldenMatcher and goldenKinds are the options every patch golden case runs with.
func goldenMatcher() *Matcher {
	return NewMatcher([]string{"myregistry.azurecr.io", "registry.example.com:5000"})
}

func goldenKinds(t *testing.T) *Kinds {
	t.Helper()
	var extra []WorkloadKind
	for _, s := range []string{"Rollout.argoproj.io=spec.template.spec", "Workflow.argoproj.io=spec"} {
		k, err := ParseWorkloadKind(s)
		if err != nil {
			t.Fatal(err)
		}
		extra = append(extra, k)
	}
	return NewKinds(extra...)
}

// patch adds secret to every pod spec of m that needs it, and returns the new bytes and the
// number of entries added.
func patch(m *File, kinds *Kinds, needs NeedsSecret, secret string) ([]byte, int, error) {
	edits, err := PlanPatch(m, kinds, needs, secret)
	if err != nil || len(edits) == 0 {
		return m.Src.Bytes(), 0, err
	}
	out, err := yamledit.Apply(m.Src.Bytes(), edits)
	return out, len(edits), err
}

func patchBytes(t *testing.T, in []byte) ([]byte, int) {
	t.Helper()
	m, err := Parse(in)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	out, added, err := patch(m, goldenKinds(t), MatchesRegistry(goldenMatcher()), "acr-secret")
	if err != nil {
		t.Fatalf("patch: %v", err)
	}
	return out, added
}

// TestPatchGolden runs every case under testdata/patch: input.yaml patched must equal
// expected.yaml byte for byte, the result must still parse, and a second run must change
// nothing.
func TestPatchGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/patch/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	proven := 0
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := patchBytes(t, in)
			// Where the edits' shapes claim the result without a parse, the claim holds
			// (checkProof parses the result and fails the test when it does not).
			if _, ok := patchProof(t, in, goldenKinds(t), MatchesRegistry(goldenMatcher())); ok {
				proven++
			}
			golden := filepath.Join(dir, "expected.yaml")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("patched output differs from %s:\n--- got ---\n%s\n--- want ---\n%s", golden, got, want)
			}
			if bytes.HasPrefix(bytes.TrimSpace(in), []byte("{")) && !json.Valid(got) {
				t.Fatalf("a JSON manifest is no longer valid JSON:\n%s", got)
			}
			again, added := patchBytes(t, got)
			if !bytes.Equal(again, got) || added != 0 {
				t.Fatalf("second run changed the output (%d entries added):\n%s", added, again)
			}
			// Every pod spec that pulls from the registry now lists the secret exactly once.
			m, err := Parse(got)
			if err != nil {
				t.Fatalf("patched output does not parse: %v", err)
			}
			for _, r := range m.Resources() {
				specs, err := goldenKinds(t).PodSpecs(r)
				if err != nil {
					t.Fatal(err)
				}
				for _, ps := range specs {
					n := 0
					for _, s := range ps.SecretNames() {
						if s == "acr-secret" {
							n++
						}
					}
					if MatchesRegistry(goldenMatcher())(r, ps) && n != 1 {
						t.Errorf("%s %q: acr-secret listed %d times", r.Kind, r.Name, n)
					}
				}
			}
		})
	}
	if proven == 0 {
		t.Error("no golden case is proven without a parse: the proof check checked nothing")
	}
	t.Logf("%d of %d golden cases proven without a parse", proven, len(dirs))
}

// Parsing document by document gives the same nodes, at the same lines, and so the same
// edits, as parsing the whole file.
func TestParseRelevantMatchesFullParse(t *testing.T) {
	inputs, err := filepath.Glob("testdata/patch/*/input.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatal("no inputs")
	}
	for _, p := range inputs {
		in, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		full, _ := patchBytes(t, in)
		m, err := ParseRelevant(in, func([]byte) bool { return true })
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got, _, err := patch(m, goldenKinds(t), MatchesRegistry(goldenMatcher()), "acr-secret")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, full) {
			t.Errorf("%s: per-document parse patches differently:\n%s", p, got)
		}
	}
	// Skipped documents are simply absent; errors keep file line numbers.
	in := []byte("a: 1\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n")
	_, err = ParseRelevant(in, func(b []byte) bool { return bytes.Contains(b, []byte("Pod")) })
	var le *LineError
	if !errors.As(err, &le) || le.Line != 7 {
		t.Fatalf("want an error at line 7, got %v", err)
	}
	m, err := ParseRelevant([]byte("a: 1\n---\nb: 2\n"), func(b []byte) bool { return bytes.Contains(b, []byte("b:")) })
	if err != nil || len(m.Docs) != 1 || m.Docs[0].Content[0].Line != 3 {
		t.Fatalf("want only the second document, at line 3: %v", err)
	}
}
