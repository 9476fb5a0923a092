package manifest

import (
	"errors"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/yamledit"
)

// Appending to the last list of a mapping and adding a new key after it insert at the same
// offset; the list item must stay in its list, whatever order the edits were computed in.
func TestAppendToLastListAndNewKey(t *testing.T) {
	src := []byte("# kustomization\nresources:\n- a\n- b\n")
	for _, newKeyFirst := range []bool{true, false} {
		m, err := Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		doc := m.Docs[0]
		add, err := yamledit.AppendListItem(m.Src, doc, "resources", yamledit.ListItem{Value: "c.yaml"}, yamledit.CompactSeq)
		if err != nil {
			t.Fatal(err)
		}
		key, err := yamledit.AppendListItem(m.Src, doc, "patches", yamledit.ListItem{Key: "path", Value: "p.yaml"}, yamledit.CompactSeq)
		if err != nil {
			t.Fatal(err)
		}
		edits := []yamledit.Edit{add, key}
		if newKeyFirst {
			edits = []yamledit.Edit{key, add}
		}
		got, err := yamledit.Apply(src, edits)
		if err != nil {
			t.Fatal(err)
		}
		want := "# kustomization\nresources:\n- a\n- b\n- c.yaml\npatches:\n- path: p.yaml\n"
		if string(got) != want {
			t.Fatalf("newKeyFirst=%v:\n%s\nwant:\n%s", newKeyFirst, got, want)
		}
	}
}

// A carriage return without a line feed is a line break to YAML but not to acrgen's line
// index: such a file is refused, naming the line, instead of panicking when it is edited.
func TestLoneCarriageReturnIsRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		in   string
		line int
	}{
		"CR only":         {"apiVersion: v1\rkind: Pod\rmetadata:\r  name: p\rspec:\r  containers:\r  - image: myregistry.azurecr.io/a\r", 1},
		"CR after CRLF":   {"apiVersion: v1\r\nkind: Pod\r\nmetadata:\r  name: p\r\n", 3},
		"final CR":        {"apiVersion: v1\nkind: Pod\r", 2},
		"CR inside value": {"apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"a\rb\"\n", 4},
	} {
		t.Run(name, func(t *testing.T) {
			for _, parse := range []func([]byte) (*File, error){
				Parse,
				func(b []byte) (*File, error) {
					return ParseRelevant(b, func([]byte) bool { return true })
				},
			} {
				_, err := parse([]byte(tc.in))
				var le *LineError
				if !errors.As(err, &le) || le.Line != tc.line || !strings.Contains(le.Msg, "carriage return") {
					t.Fatalf("want a line %d error about the carriage return, got %v", tc.line, err)
				}
			}
		})
	}
	// CRLF files are still read and edited.
	m, err := Parse([]byte("apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: p\r\nspec:\r\n  containers:\r\n  - image: myregistry.azurecr.io/a\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := patch(m, NewKinds(), MatchesRegistry(NewMatcher([]string{"myregistry.azurecr.io"})), "acr-secret")
	if err != nil || !strings.Contains(string(out), "imagePullSecrets:\r\n") {
		t.Fatalf("CRLF manifest not patched with CRLF endings: %v\n%q", err, out)
	}
}
