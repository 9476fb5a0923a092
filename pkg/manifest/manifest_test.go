package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

// manifestInputs are files with every kind of document boundary: leading markers, empty and
// comment-only documents, directives, document end markers, content on the marker line.
var manifestInputs = []string{
	"",
	"a: 1\n",
	"---\na: 1\n",
	"a: 1\n---\nb: 2\n",
	"a: 1\n---\n---\nb: 2\n---\n",
	"# only a comment\n",
	"a: 1\n---\n# a comment\n\n---\nb: 2\n",
	"a: 1\n--- # marker with a comment\nb: 2\n",
	"a: 1\n--- {b: 2}\n",
	"# c\n---\na: 1\n...\n---\nb: 2\n...\n",
	"\n\n---\n# c\n",
	"a: 1\n---\n\n",
	"a: |\n  text\n  # not a comment\n---\n  \n---\n~\n",
	"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n---\nkind: ConfigMap\n",
}

// Docs and Skipped together are every document Parse finds, whatever the prefilter
// parses: "this file holds other documents" means the same with the prefilter on and off.
func TestParseRelevantRecordsSkipped(t *testing.T) {
	inputs := append([]string(nil), manifestInputs...)
	files, _ := filepath.Glob("testdata/patch/*/input.yaml")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		full, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		none, err := ParseRelevant([]byte(in), func([]byte) bool { return false })
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		all, err := ParseRelevant([]byte(in), func([]byte) bool { return true })
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(none.Docs) != 0 || len(none.Skipped) != len(full.Docs) {
			t.Errorf("%q: nothing parsed: %d docs and %d skipped, want 0 and %d", in, len(none.Docs), len(none.Skipped), len(full.Docs))
		}
		if len(all.Docs) != len(full.Docs) || len(all.Skipped) != 0 {
			t.Errorf("%q: everything parsed: %d docs and %d skipped, want %d and 0", in, len(all.Docs), len(all.Skipped), len(full.Docs))
		}
		// Each skipped document is where the full parse found one (an empty document's null
		// is at the next "---" line).
		for i, sp := range none.Skipped {
			if i < len(full.Docs) && (full.Docs[i].Line < sp.Line || full.Docs[i].Line > sp.End+1) {
				t.Errorf("%q: skipped document %d spans lines %d-%d, but the full parse has it at line %d", in, i, sp.Line, sp.End, full.Docs[i].Line)
			}
		}
	}
}

// A skipped document is recorded even when it is not valid YAML: the prefilter never parsed
// it, but the file still holds it.
func TestParseRelevantRecordsMalformedSkipped(t *testing.T) {
	in := []byte("apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\nkind: ConfigMap\nmetadata:\n  name: x\n   bad: indent\n")
	if _, err := Parse(in); err == nil {
		t.Fatal("the second document should be malformed")
	}
	m, err := ParseRelevant(in, func(b []byte) bool { return string(b[:3]) == "api" })
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Docs) != 1 || !reflect.DeepEqual(m.Skipped, []DocSpan{{Line: 5, End: 9}}) {
		t.Fatalf("got %d docs and skipped %v, want 1 doc and lines 5-9 skipped", len(m.Docs), m.Skipped)
	}
}

// Select skips what is not relevant without scanning it for duplicate keys, which
// ParseRelevant refuses (kustomize refuses such a file): the Flux scan leaves that to
// the run's own load.
func TestSelectDoesNotScanSkipped(t *testing.T) {
	b := []byte("kind: Wanted\n---\nkind: Other\nmetadata:\n  name: a\n  name: b\n")
	wanted := func(doc []byte) bool { return bytes.Contains(doc, []byte("Wanted")) }
	if _, err := ParseRelevant(b, wanted); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Fatalf("ParseRelevant: want the duplicate key refused, got %v", err)
	}
	m, err := Select(b, wanted)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Docs) != 1 || len(m.Skipped) != 1 || m.Skipped[0].Line != 2 {
		t.Errorf("Select: want 1 document and 1 skipped from line 2, got %d and %+v", len(m.Docs), m.Skipped)
	}
}

// FuzzSplitDocuments checks ParseRelevant's split of a file into documents (found by
// searching for "\n---") against a plain line-by-line split: the same documents, starting on
// the same lines, and the same skipped spans.
func FuzzSplitDocuments(f *testing.F) {
	for _, in := range manifestInputs {
		f.Add(in)
	}
	f.Add("a: 1\n---\nb: 2\r\n--- # c\r\n---x\n----\n---\t\n...\n--- \n")
	f.Add("---\n---\n\n---")
	f.Add("a: 1\r\n---\r\nb: 2\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		if refuseLoneCR([]byte(in)) != nil {
			return
		}
		// The reference: a document starts at each line (but the first) that is a "---" marker.
		type doc struct {
			text string
			line int
		}
		var want []doc
		var wantSkipped []DocSpan
		lines := strings.SplitAfter(in, "\n")
		cur, curLine := "", 1
		for i, l := range lines {
			if t := strings.TrimSuffix(strings.TrimSuffix(l, "\n"), "\r"); i > 0 && strings.HasPrefix(t, "---") && yamledit.IsDocMarker(t) {
				if cur != "" {
					want = append(want, doc{cur, curLine})
				}
				cur, curLine = "", i+1
			}
			cur += l
		}
		if cur != "" {
			want = append(want, doc{cur, curLine})
		}
		for _, d := range want {
			if hasDocument([]byte(d.text)) {
				wantSkipped = append(wantSkipped, DocSpan{Line: d.line, End: d.line + strings.Count(strings.TrimSuffix(d.text, "\n"), "\n")})
			}
		}
		var got []doc
		m, err := Select([]byte(in), func(seg []byte) bool {
			got = append(got, doc{text: string(seg)})
			return false
		})
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: %d documents, want %d", in, len(got), len(want))
		}
		for i := range got {
			if got[i].text != want[i].text {
				t.Errorf("%q: document %d is %q, want %q", in, i, got[i].text, want[i].text)
			}
		}
		if fmt.Sprint(m.Skipped) != fmt.Sprint(wantSkipped) {
			t.Errorf("%q: skipped %v, want %v", in, m.Skipped, wantSkipped)
		}
	})
}
