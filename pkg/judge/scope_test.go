package judge

import "testing"

func TestNamespaceAllowed(t *testing.T) {
	for _, tc := range []struct {
		filter []string
		ns     string
		want   bool
	}{
		{nil, "", true},
		{nil, "apps", true},
		{[]string{"apps"}, "apps", true},
		{[]string{"apps"}, "web", false},
		{[]string{"apps"}, "", false},
		{[]string{""}, "", true},
		{[]string{"apps", "web"}, "web", true},
		{[]string{"apps"}, "Apps", false}, // namespaces are DNS labels: lower case, compared as written
	} {
		if got := NamespaceAllowed(tc.filter, tc.ns); got != tc.want {
			t.Errorf("NamespaceAllowed(%q, %q) = %v, want %v", tc.filter, tc.ns, got, tc.want)
		}
	}
}
