package yamledit

import (
	"fmt"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/yamlproof"
)

// QuoteScalar answers a repeated string without building a YAML encoder again, and its
// answers are those of yaml.Marshal, also once its memory has been cleared.
func TestQuoteScalarIsMemoized(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { QuoteScalar("acr-secret", false) }); n != 0 {
		t.Errorf("QuoteScalar of a repeated string allocates %v times", n)
	}
	for i := range 200 {
		for _, s := range []string{fmt.Sprint(i), "yes", "a: b", "x,y", "acr-secret", "it's"} {
			for _, flow := range []bool{false, true} {
				if got, want := QuoteScalar(s, flow), quoteScalarUncached(s, flow); got != want {
					t.Fatalf("QuoteScalar(%q, %v) = %q, want %q", s, flow, got, want)
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

// The test's own check fails when a claim is wrong: an edit claimed proven whose text lands
// inside a multi-line scalar (what the conditions exclude) is caught.
func TestProofCheckCatchesAWrongClaim(t *testing.T) {
	src := []byte("a:\n  b: \"x\n  y\"\n")
	docs, err := yamlproof.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	e := NewSource(src).insertAfterLine(2, "  c:\n  - name: s\n")
	e.Shape, e.next, e.target = ShapeNewBlockEntry, len(src), docs[0].Content[0]
	out, _ := Apply(src, []Edit{e})
	claim := yamlproof.Claim{Text: e.Text, Entry: true, Target: e.Target(), Start: e.Start}
	if err := yamlproof.Holds(src, out, []yamlproof.Claim{claim}); err == nil {
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
