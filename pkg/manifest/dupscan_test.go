package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The scan must never miss a duplicate key that a full parse finds. Every YAML file of the
// repository's test data and examples is mutated by repeating each line once (right after
// itself, and after the next line); whenever the parse then reports a duplicate key, the scan
// must have said "maybe".
func TestDuplicateScanMissesNothing(t *testing.T) {
	var files []string
	for _, root := range []string{"testdata", "../../examples"} {
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				files = append(files, p)
			}
			return nil
		})
	}
	if len(files) < 40 {
		t.Fatalf("found only %d files", len(files))
	}
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(b), "\n")
		for i := range lines {
			if !strings.Contains(lines[i], ":") {
				continue // only a mapping entry can make a duplicate key
			}
			for _, at := range []int{i + 1, i + 2} {
				if at > len(lines) {
					continue
				}
				mut := strings.Join(lines[:at], "") + ensureNL(lines[i]) + strings.Join(lines[at:], "")
				_, err := Parse([]byte(mut))
				var le *LineError
				if err == nil || !errors.As(err, &le) || !strings.Contains(le.Msg, "already defined") {
					continue
				}
				checked++
				if !mayHaveDuplicateKeys([]byte(mut)) {
					t.Errorf("%s: line %d repeated at %d: the parse finds %v but the scan does not", f, i+1, at+1, err)
				}
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d mutations had a duplicate key", checked)
	}
}

func ensureNL(s string) string {
	if strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

func TestDuplicateScan(t *testing.T) {
	for doc, want := range map[string]bool{
		"a: 1\nb:\n  a: 1\nc: 1\n":                                       false,
		"a: 1\nb:\n  x: 1\na: 2\n":                                       true,
		"l:\n- a: 1\n  b: 1\n- a: 1\n  b: 1\n":                           false,
		"l:\n- a: 1\n  a: 1\n":                                           true,
		"l:\n- a: 1\nm: 1\nl: 2\n":                                       true,
		"s: |\n  a: 1\n  a: 1\nt: 1\n":                                   false,
		"data: {a: 1, a: 2}\n":                                           true,
		"\"a\": 1\na: 2\n":                                               true,
		"a: \"x\n  a: y\"\n":                                             true,
		"# a: 1\na: 1 # a: 2\nb: http://a:b\n":                           false,
		"a:\n  - x: 1\n    y:\n      x: 1\n  - x: 1\n":                   false,
		"---\na: 1\n---\na: 1\n":                                         false,
		"a: &x\n  b: 1\n  b: 2\n":                                        true,
		"metadata:\n  labels:\n    app: x\n  annotations:\n    app: x\n": false,
	} {
		if got := mayHaveDuplicateKeys([]byte(doc)); got != want {
			t.Errorf("%q: got %v, want %v", doc, got, want)
		}
	}
}

// flowLineClean must say "clean" only for one-line flow collections without a repeated key,
// which is what lets the prefilter skip documents with `args: ["--x"]` or `limits: {cpu: 1}`;
// every case whose full parse finds a duplicate key must be refused.
func TestFlowLineClean(t *testing.T) {
	for _, tc := range []struct {
		v     string
		clean bool
	}{
		{`["ReadWriteOnce"]`, true},
		{`{memory: 1Gi}`, true},
		{`{memory: 1Gi, cpu: "1"} # limits`, true},
		{`["sh", "-c", "echo a: b, {c}"]`, true},
		{`[--port=8080, -v, "--x=y"]`, true},
		{`{a: {b: 1, c: [1, 2]}, d: [{e: 1}, {e: 2}]}`, true},
		{`{url: http://example.com:8080/x, 'q': "1"}`, true},
		{`[]`, true},
		{`{}`, true},
		{`{a: 1, a: 2}`, false},
		{`{a: 1, "a": 2}`, false},
		{`{a: 1, 'a': 2}`, false},
		{`{a, a}`, false},
		{`[{x: 1, y: 2, x: 3}]`, false},
		{`{a: {b: 1, b: 2}}`, false},
		{`{a: 1,`, false},      // does not close on this line
		{`[a, b] c`, false},    // not a lone collection
		{`{&x a: 1}`, false},   // an anchor
		{`{a: *x}`, false},     // an alias
		{`{? a : 1}`, false},   // a complex key
		{`{[a]: 1}`, false},    // a collection as key
		{`{"a\"b": 1}`, false}, // an escape
		{`{a: 1} # x`, true},
		{`{a: 1}# x`, false},
		{`{a b: 1, a  b: 2}`, false}, // keys outside the simple alphabet
		{`{a: 1 # c}`, false},
	} {
		if got := flowLineClean(tc.v); got != tc.clean {
			t.Errorf("flowLineClean(%q) = %v, want %v", tc.v, got, tc.clean)
		}
		_, err := Parse([]byte("k: " + tc.v + "\n"))
		if err != nil && strings.Contains(err.Error(), "already defined") && flowLineClean(tc.v) {
			t.Errorf("%q: the parse finds %v, but flowLineClean says clean", tc.v, err)
		}
		if doc := "k: " + tc.v + "\n"; err != nil && strings.Contains(err.Error(), "already defined") && !mayHaveDuplicateKeys([]byte(doc)) {
			t.Errorf("%q: the parse finds %v, but the scan does not", doc, err)
		}
	}
}

// The benchmark's trees (flow values on most workloads) are skipped by the scan: before,
// every document with a flow collection was parsed.
func TestScanSkipsCleanFlowValues(t *testing.T) {
	doc := "apiVersion: apps/v1\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        args: [\"--a\", \"--b\"]\n        resources:\n          limits: {memory: 1Gi}\n      - {name: side, image: x}\n  volumeClaimTemplates:\n  - spec:\n      accessModes: [\"ReadWriteOnce\"]\n"
	if mayHaveDuplicateKeys([]byte(doc)) {
		t.Error("a document with clean one-line flow values: the scan says maybe")
	}
	if _, err := Parse([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if !mayHaveDuplicateKeys([]byte(strings.Replace(doc, "{memory: 1Gi}", "{memory: 1Gi, memory: 2Gi}", 1))) {
		t.Error("a repeated key in a flow mapping: the scan must say maybe")
	}
}
