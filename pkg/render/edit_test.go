package render

import "testing"

// Appending to the last list of a mapping and adding a new key after it insert at the same
// offset; the list item must stay in its list, whatever order the edits were computed in.
func TestAppendToLastListAndNewKey(t *testing.T) {
	src := []byte("# kustomization\nresources:\n- a\n- b\n")
	for _, newKeyFirst := range []bool{true, false} {
		m, err := ParseManifest(src)
		if err != nil {
			t.Fatal(err)
		}
		doc := m.Docs[0]
		add, err := AppendListItem(m.Src, doc, "resources", ListItem{Value: "c.yaml"}, CompactSeq)
		if err != nil {
			t.Fatal(err)
		}
		key, err := AppendListItem(m.Src, doc, "patches", ListItem{Key: "path", Value: "p.yaml"}, CompactSeq)
		if err != nil {
			t.Fatal(err)
		}
		edits := []Edit{add, key}
		if newKeyFirst {
			edits = []Edit{key, add}
		}
		got, err := Apply(src, edits)
		if err != nil {
			t.Fatal(err)
		}
		want := "# kustomization\nresources:\n- a\n- b\n- c.yaml\npatches:\n- path: p.yaml\n"
		if string(got) != want {
			t.Fatalf("newKeyFirst=%v:\n%s\nwant:\n%s", newKeyFirst, got, want)
		}
	}
}
