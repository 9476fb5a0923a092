package settings

import "testing"

func TestParseLoginServer(t *testing.T) {
	cases := []struct{ in, suffix, want string }{
		{"myregistry", "", "myregistry.azurecr.io"},
		{"myregistry", "azurecr.cn", "myregistry.azurecr.cn"},
		{"MyRegistry.azurecr.io", "", "myregistry.azurecr.io"},
		{"https://myregistry.azurecr.io/", "", "myregistry.azurecr.io"},
		{"registry.example.com:5000", "", "registry.example.com:5000"},
		{"localhost:5000", "", "localhost:5000"},
	}
	for _, c := range cases {
		got, err := ParseLoginServer(c.in, c.suffix)
		if err != nil || got != c.want {
			t.Errorf("ParseLoginServer(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "myregistry.azurecr.io/repo", "http://myregistry.azurecr.io", "my registry", "a..b"} {
		if got, err := ParseLoginServer(bad, ""); err == nil {
			t.Errorf("ParseLoginServer(%q) = %q, want an error", bad, got)
		}
	}
}
