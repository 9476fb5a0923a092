package secret

import (
	"strings"
	"testing"

	"github.com/acrgen/acrgen/pkg/manifest"
)

func TestValidateName(t *testing.T) {
	longest := strings.Repeat("a", maxNameLength)
	if n := len(longest + "." + strings.Repeat("n", manifest.MaxNamespaceLength) + ".enc.yaml"); n != maxFileNameLength {
		t.Fatalf("the longest Secret file name is %d bytes, want %d", n, maxFileNameLength)
	}
	for _, ok := range []string{"acr-secret", "a", "acr.secret", "0-x", longest} {
		if err := ValidateName(ok); err != nil {
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
		err := ValidateName(c.name)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestFileName(t *testing.T) {
	for _, tc := range []struct{ name, ns, want string }{
		{"acr-secret", "", "acr-secret.enc.yaml"},
		{"acr-secret", "apps", "acr-secret.apps.enc.yaml"},
		{"pull", "kube-system", "pull.kube-system.enc.yaml"},
	} {
		if got := FileName(tc.name, tc.ns); got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, want %q", tc.name, tc.ns, got, tc.want)
		}
	}
}
