package manifest

import (
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Expand reads merge keys as YAML 1.1 and kustomize do: an explicit key wins over a merged
// one, an earlier merged mapping over a later one; the input is left as it was.
func TestExpandMergePrecedence(t *testing.T) {
	src := "a: &a {x: 1, y: 1}\nb: &b {x: 2, y: 2, z: 2}\nc:\n  <<: [*a, *b]\n  y: 3\n"
	m, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := mapValue(m.Docs[0], "c")
	for key, want := range map[string]string{"x": "1", "y": "3", "z": "2"} {
		if got := Scalar(mapValue(c, key)); got != want {
			t.Errorf("lookup c.%s = %q, want %q", key, got, want)
		}
	}
	exp, err := Expand(m.Docs[0])
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(exp)
	if err != nil {
		t.Fatal(err)
	}
	if want := "a: {x: 1, y: 1}\nb: {x: 2, y: 2, z: 2}\nc:\n  y: 3\n  x: 1\n  z: 2\n"; string(out) != want {
		t.Errorf("expanded:\n%s\nwant:\n%s", out, want)
	}
	if mapValue(m.Docs[0], "a").Anchor != "a" || len(c.Content) != 4 {
		t.Error("Expand changed its input")
	}
}

// Aliases of aliases are bounded: Expand refuses instead of exhausting memory.
func TestExpandBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 12; i++ {
		b.WriteString("l" + string(rune('0'+i%10)) + string(rune('a'+i)) + ": &l" + string(rune('a'+i)) + " [")
		prev := "l0"
		if i > 1 {
			prev = "l" + string(rune('a'+i-1))
		}
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
	}
	m, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Expand(m.Docs[0]); err == nil || !strings.Contains(err.Error(), "expand to more than") {
		t.Fatalf("want a bound, got %v", err)
	}
}
