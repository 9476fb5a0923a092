package render

import (
	"strings"
	"testing"
)

func TestValidateSecretName(t *testing.T) {
	longest := strings.Repeat("a", MaxSecretNameLength)
	if n := len(longest + "." + strings.Repeat("n", MaxNamespaceLength) + ".enc.yaml"); n != MaxFileNameLength {
		t.Fatalf("the longest Secret file name is %d bytes, want %d", n, MaxFileNameLength)
	}
	for _, ok := range []string{"acr-secret", "a", "acr.secret", "0-x", longest} {
		if err := ValidateSecretName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, c := range []struct{ name, want string }{
		{"", "empty"},
		{"../../../escaped", "not a valid Secret name"},
		{"x/y", "not a valid Secret name"},
		{"/abs", "not a valid Secret name"},
		{"UPPER", "not a valid Secret name"},
		{"a b", "not a valid Secret name"},
		{".", "not a valid Secret name"},
		{"..", "not a valid Secret name"},
		{"-x", "not a valid Secret name"},
		{"x-", "not a valid Secret name"},
		{"a..b", "not a valid Secret name"},
		{"a\x00b", "not a valid Secret name"},
		{"a\nb", "not a valid Secret name"},
		{longest + "a", "at most 182"},
		{strings.Repeat("a", 300), "is 300 bytes long"},
	} {
		err := ValidateSecretName(c.name)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

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
