package manifest

import (
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

func TestScalar(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"v: x", "x"},
		{"v: null", ""},
		{"v: ~", ""},
		{"v: 'null'", "null"},
		{"v: [x]", ""},
		{"v: {a: b}", ""},
		{"w: x", ""},
	} {
		n, err := yaml.Parse(tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		if got := Scalar(MapValue(n.YNode(), "v")); got != tc.want {
			t.Errorf("Scalar(%s) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}
