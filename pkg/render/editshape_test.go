package render

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/yamlproof"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// checkProof applies edits to src and, when Proven claims the result is known without parsing
// it, parses it and fails unless the claim holds: the result parses as src plus exactly one
// addition per edit, each the entry or item the edit's text holds, in the collection the edit
// names. It returns the new bytes and whether the edits were proven.
func checkProof(t testing.TB, src []byte, edits []Edit) ([]byte, bool) {
	t.Helper()
	out, err := Apply(src, edits)
	if err != nil || !Proven(edits) {
		return out, false
	}
	if err := proofHolds(src, out, edits); err != nil {
		t.Fatalf("Proven claims the result's parse but %v\ninput:\n%s\noutput:\n%s", err, src, out)
	}
	return out, true
}

func proofHolds(src, out []byte, edits []Edit) error {
	adds, err := yamlproof.Additions(src, out)
	if err != nil {
		return err
	}
	if len(adds) != len(edits) {
		return fmt.Errorf("%d additions for %d edits", len(adds), len(edits))
	}
	for _, e := range edits {
		want, err := yamlproof.Parse([]byte(e.Text))
		if err != nil || len(want) != 1 || len(want[0].Content) != 1 || len(want[0].Content[0].Content) == 0 {
			return fmt.Errorf("the edit's own text %q does not parse to one entry or item (%v)", e.Text, err)
		}
		root := want[0].Content[0]
		wantKey, wantValue := "", root.Content[0]
		if e.Shape == ShapeNewBlockEntry {
			if root.Kind != yaml.MappingNode || len(root.Content) != 2 {
				return fmt.Errorf("the edit's text %q is not one mapping entry", e.Text)
			}
			wantKey, wantValue = root.Content[0].Value, root.Content[1]
		} else if root.Kind != yaml.SequenceNode || len(root.Content) != 1 {
			return fmt.Errorf("the edit's text %q is not one sequence item", e.Text)
		}
		found := false
		for _, a := range adds {
			if a.Parent.Line == e.target.Line && a.Parent.Column == e.target.Column && a.Parent.Kind == e.target.Kind &&
				a.Key == wantKey && yamlproof.Equal(wantValue, a.Value) == nil {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("the edit at byte %d (%q) added nothing to the collection at line %d", e.Start, e.Text, e.target.Line)
		}
	}
	return nil
}

// patchProof plans the patch of in with the golden options and checks the proof.
func patchProof(t testing.TB, in []byte, kinds *Kinds, match NeedsSecret) ([]byte, bool) {
	t.Helper()
	m, err := ParseManifest(in)
	if err != nil {
		return nil, false
	}
	edits, _, err := PlanPatch(m, kinds, match, "acr-secret")
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
			if _, err := ParseManifest([]byte(c.in)); err != nil {
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

// The test's own check fails when a claim is wrong: an edit claimed proven whose text lands
// inside a multi-line scalar (what the conditions exclude) is caught.
func TestProofCheckCatchesAWrongClaim(t *testing.T) {
	src := []byte("a:\n  b: \"x\n  y\"\n")
	m, err := ParseManifest(src)
	if err != nil {
		t.Fatal(err)
	}
	e := m.Src.insertAfterLine(2, "  c:\n  - name: s\n")
	e.Shape, e.next, e.target = ShapeNewBlockEntry, len(src), m.Docs[0].Content[1]
	out, _ := Apply(src, []Edit{e})
	if err := proofHolds(src, out, []Edit{e}); err == nil {
		t.Fatalf("a wrong claim passed the check:\n%s", out)
	}
}

// Two edits with no content between them are not proven together.
func TestProvenNeedsContentBetweenEdits(t *testing.T) {
	a := Edit{Start: 10, End: 10, Shape: ShapeBlockItem, next: 20}
	b := Edit{Start: 20, End: 20, Shape: ShapeNewBlockEntry, next: 30}
	if Proven([]Edit{b, a}) {
		t.Fatal("edits touching each other's surroundings proven")
	}
	b.Start, b.End = 21, 21
	if !Proven([]Edit{b, a}) {
		t.Fatal("separate edits not proven")
	}
	if Proven([]Edit{a, {Start: 40, End: 40}}) || Proven(nil) {
		t.Fatal("an unknown shape, or no edit, proven")
	}
}

// quoteScalar answers a repeated string without building a YAML encoder again, and its
// answers are those of yaml.Marshal, also once its memory has been cleared.
func TestQuoteScalarIsMemoized(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { quoteScalar("acr-secret", false) }); n != 0 {
		t.Errorf("quoteScalar of a repeated string allocates %v times", n)
	}
	for i := range 200 {
		for _, s := range []string{fmt.Sprint(i), "yes", "a: b", "x,y", "acr-secret", "it's"} {
			for _, flow := range []bool{false, true} {
				if got, want := quoteScalar(s, flow), quoteScalarUncached(s, flow); got != want {
					t.Fatalf("quoteScalar(%q, %v) = %q, want %q", s, flow, got, want)
				}
			}
		}
	}
}

// NewSource indexes lines with one allocation for the index, and the same index and line
// ending as a byte-by-byte scan.
func TestNewSourceIndex(t *testing.T) {
	for _, in := range []string{"", "\n", "a", "a\n", "a\nb", "a\r\nb\r\n", "\r\n\n", "x\ny\r\nz\n\n", "é\n\nü"} {
		want, nl := []int{0}, "\n"
		for i := range len(in) {
			if in[i] == '\n' {
				if len(want) == 1 && i > 0 && in[i-1] == '\r' {
					nl = "\r\n"
				}
				want = append(want, i+1)
			}
		}
		s := NewSource([]byte(in))
		if fmt.Sprint(s.lines()) != fmt.Sprint(want) || s.newline() != nl {
			t.Errorf("NewSource(%q): lines %v, line ending %q; want %v, %q", in, s.lines(), s.newline(), want, nl)
		}
	}
	b := []byte(strings.Repeat("key: value\n", 1000))
	if n := testing.AllocsPerRun(10, func() { NewSource(b).index() }); n > 2 {
		t.Errorf("NewSource and its index allocate %v times for 1,000 lines, want 2", n)
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
