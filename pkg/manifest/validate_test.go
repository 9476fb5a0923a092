package manifest

import (
	"strings"
	"testing"
)

func TestValidateNamespace(t *testing.T) {
	for _, ok := range []string{"", "prod", "a", "team-1", strings.Repeat("n", MaxNamespaceLength)} {
		if err := ValidateNamespace(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, c := range []struct{ ns, want string }{
		{"x/../../../ns-escaped", "not a valid namespace"},
		{"../../../escaped", "not a valid namespace"},
		{"/abs", "not a valid namespace"},
		{"UPPER", "not a valid namespace"},
		{"a b", "not a valid namespace"},
		{".", "not a valid namespace"},
		{"..", "not a valid namespace"},
		{"-x", "not a valid namespace"},
		{"a.b", "not a valid namespace"},
		{strings.Repeat("n", MaxNamespaceLength+1), "at most 63"},
	} {
		err := ValidateNamespace(c.ns)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.ns, err, c.want)
		}
	}
}
