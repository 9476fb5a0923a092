package manifest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/yamlproof"
	"github.com/acrgen/acrgen/pkg/yamledit"
)

// checkProof applies edits to src and, when Proven claims the result is known without parsing
// it, parses it and fails unless the claim holds: the result parses as src plus exactly one
// addition per edit, each the entry or item the edit's text holds, in the collection the edit
// names. It returns the new bytes and whether the edits were proven.
func checkProof(t testing.TB, src []byte, edits []yamledit.Edit) ([]byte, bool) {
	t.Helper()
	out, err := yamledit.Apply(src, edits)
	if err != nil || !yamledit.Proven(edits) {
		return out, false
	}
	if err := proofHolds(src, out, edits); err != nil {
		t.Fatalf("Proven claims the result's parse but %v\ninput:\n%s\noutput:\n%s", err, src, out)
	}
	return out, true
}

func proofHolds(src, out []byte, edits []yamledit.Edit) error {
	claims := make([]yamlproof.Claim, len(edits))
	for i, e := range edits {
		claims[i] = yamlproof.Claim{Text: e.Text, Entry: e.Shape == yamledit.ShapeNewBlockEntry, Target: e.Target(), Start: e.Start}
	}
	return yamlproof.Holds(src, out, claims)
}

// patchProof plans the patch of in with the golden options and checks the proof.
func patchProof(t testing.TB, in []byte, kinds *Kinds, match NeedsSecret) ([]byte, bool) {
	t.Helper()
	m, err := Parse(in)
	if err != nil {
		return nil, false
	}
	edits, err := PlanPatch(m, kinds, match, "acr-secret")
	if err != nil || len(edits) == 0 {
		return nil, false
	}
	return checkProof(t, in, edits)
}

// Each shape, and each condition that takes an edit off the fast path.
func TestEditShapes(t *testing.T) {
	const head = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
	for _, c := range []struct {
		name, in string
		proven   bool
	}{
		{"new entry at the end of the file", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n", true},
		{"new entry, no final line ending", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a", true},
		{"new entry before a less-indented key", "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: myregistry.azurecr.io/a\nmetadata:\n  name: p\n", true},
		{"new entry before a document marker", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n---\na: 1\n", true},
		{"new entry after comments and blank lines", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a # c\n    # deep\n\n# shallow\n", true},
		{"new entry, CRLF", strings.ReplaceAll(head+"spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n", "\n", "\r\n"), true},
		{"last value single-quoted", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name: 'it''s' # c\n", true},
		{"last value double-quoted", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name: \"x\"\n", true},
		{"last value a one-line flow mapping", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    resources: {limits: {memory: 1Gi}} # c\n", true},
		{"last value a one-line flow list with brackets in quotes", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    args: [\"]\", '[x', \"#\"]\n", true},
		{"item appended to a compact list", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n  imagePullSecrets:\n  - name: other\n  hostNetwork: true\n", true},
		{"item appended to an indented list", head + "spec:\n  imagePullSecrets:\n    - name: other\n  containers:\n    - image: myregistry.azurecr.io/a\n", true},
		// Off the fast path: the result is parsed again.
		{"last value a block scalar", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    args: |+\n      x\n\n", false},
		{"last value a multi-line plain scalar", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name: a\n      b\n", false},
		{"last value a multi-line quoted scalar", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name: \"a\nb\"\n", false},
		{"last value a flow list", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    args: [a,\n      b]\n", false},
		{"last value a flow mapping closed on the next line", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    resources: {limits: 1\n      }\n", false},
		{"last value an escaped double-quoted scalar", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name: \"a\\tb\"\n", false},
		{"last value with an anchor", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name: &n a\n", false},
		{"last value empty", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n    name:\n", false},
		{"flow pod spec", head + "spec: {containers: [{image: myregistry.azurecr.io/a}]}\n", false},
		{"flow list of secrets", head + "spec:\n  imagePullSecrets: [{name: other}]\n  containers:\n  - image: myregistry.azurecr.io/a\n", false},
		{"flow item in a block list", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n  imagePullSecrets:\n  - {name: other}\n", false},
		{"empty list key", head + "spec:\n  containers:\n  - image: myregistry.azurecr.io/a\n  imagePullSecrets:\n", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse([]byte(c.in)); err != nil {
				t.Fatalf("the input does not parse: %v", err)
			}
			out, proven := patchProof(t, []byte(c.in), NewKinds(), MatchesRegistry(NewMatcher([]string{"myregistry.azurecr.io"})))
			if out == nil {
				t.Fatal("no edit")
			}
			if proven != c.proven {
				t.Fatalf("proven = %v, want %v\noutput:\n%s", proven, c.proven, out)
			}
		})
	}
}

// ImageHost answers a repeated image without running the reference grammar again, and its
// answers are the grammar's, also once its memory has been cleared.
func TestImageHostIsMemoized(t *testing.T) {
	const img = "myregistry.azurecr.io/team/app:v1.2.3"
	ImageHost(img)
	if n := testing.AllocsPerRun(100, func() { ImageHost(img) }); n != 0 {
		t.Errorf("ImageHost of a repeated image allocates %v times", n)
	}
	for i := range 1<<14 + 100 {
		for _, s := range []string{fmt.Sprintf("r%d.example.com/a", i), "nginx", "Registry.Example.com:5000/a", "x/{{ .Values.tag }}", ""} {
			if got, want := ImageHost(s), imageHost(s); got != want {
				t.Fatalf("ImageHost(%q) = %q, want %q", s, got, want)
			}
		}
	}
}
