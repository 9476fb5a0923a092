package yamlproof

import (
	"strings"
	"testing"
)

func TestAdditions(t *testing.T) {
	const old = "a:\n  b: 1\n  l:\n  - x\n---\nc: d\n"
	for _, c := range []struct {
		name, updated string
		want          []string // Key=value of each addition; nil when an error is expected
	}{
		{"a new last entry and item", "a:\n  b: 1\n  l:\n  - x\n  - y\n  k: [z]\n---\nc: d\n", []string{"=y", "k=[z]"}},
		{"the same file, comments aside", "# c\na:\n  b: 1 # c\n  l:\n  - x\n---\nc: d\n", []string{}},
		{"an entry not at the end", "a:\n  k: 1\n  b: 1\n  l:\n  - x\n---\nc: d\n", nil},
		{"a changed value", "a:\n  b: 2\n  l:\n  - x\n---\nc: d\n", nil},
		{"a value now quoted", "a:\n  b: \"1\"\n  l:\n  - x\n---\nc: d\n", nil},
		{"an entry that became part of a scalar", "a:\n  b: 1\n  l:\n  - x\n    k: 1\n---\nc: d\n", nil},
		{"a document fewer", "a:\n  b: 1\n  l:\n  - x\n", nil},
		{"an entry in a document", "a:\n  b: 1\n  l:\n  - x\n---\nc: d\ne: f\n", []string{"e=f"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			adds, err := Additions([]byte(old), []byte(c.updated))
			if c.want == nil {
				if err == nil {
					t.Fatalf("no error; additions %v", adds)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range adds {
				v := a.Value.Value
				if len(a.Value.Content) > 0 {
					v = "[" + a.Value.Content[0].Value + "]"
				}
				got = append(got, a.Key+"="+v)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Fatalf("additions %q, want %q", got, c.want)
			}
		})
	}
}
