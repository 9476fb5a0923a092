package manifest

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzMatch checks that matching never panics and never matches a host other than a
// configured one (or, for a server without a port, that host with the explicit port 443).
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		"myregistry.azurecr.io/app:v1", "MyRegistry.AzureCR.io/app", "nginx", "myregistry.azurecr.io.evil.com/x",
		"myregistry.azurecr.io:443/app", "localhost:5000/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"myregistry.azurecr.io/app:${TAG}", "{{ .Values.image }}", "[::1]:5000/app", "a/b/c/d:e@f",
	} {
		f.Add(s)
	}
	m := NewMatcher([]string{"myregistry.azurecr.io", "localhost:5000"})
	f.Fuzz(func(t *testing.T, image string) {
		server, ok := m.Match(image)
		if !ok {
			return
		}
		host := ImageHost(image)
		if name, port, err := net.SplitHostPort(host); !strings.EqualFold(host, server) && (err != nil || !strings.EqualFold(name, server) || port != "443" || strings.Contains(server, ":")) {
			t.Fatalf("Match(%q) = %q but the image host is %q", image, server, host)
		}
		// The host is the image's first path component, never a substring elsewhere; its
		// form keeps the port.
		if form := HostForm(image); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(image)), form+"/") {
			t.Fatalf("Match(%q) = %q, but the reference does not start with its host %q", image, server, form)
		}
	})
}

// FuzzPlanPatch feeds arbitrary YAML to the patcher: it must not panic, its output must
// parse (as the edits' shapes say, when [Proven] claims it), every pod spec that pulls from the registry must list the secret exactly once, and a
// second run must change nothing.
func FuzzPlanPatch(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/patch/*/input.yaml")
	for _, p := range inputs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	kinds := NewKinds()
	match := MatchesRegistry(NewMatcher([]string{"myregistry.azurecr.io"}))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := Parse(in)
		if err != nil {
			return
		}
		out, _, err := patch(m, kinds, match, "acr-secret")
		if err != nil {
			return // refused input (an alias pod spec, a non-list imagePullSecrets) is fine
		}
		patchProof(t, in, kinds, match) // where the edits' shapes claim the result, it holds
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("patched output does not parse: %v\ninput:\n%s\noutput:\n%s", err, in, out)
		}
		for _, r := range m2.Resources() {
			specs, err := kinds.PodSpecs(r)
			if err != nil {
				continue
			}
			for _, ps := range specs {
				if !match(r, ps) {
					continue
				}
				n := 0
				for _, s := range ps.SecretNames() {
					if s == "acr-secret" {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("%s %q lists acr-secret %d times\ninput:\n%s\noutput:\n%s", r.Kind, r.Name, n, in, out)
				}
			}
		}
		again, added, err := patch(m2, kinds, match, "acr-secret")
		if err != nil || added != 0 || !bytes.Equal(again, out) {
			t.Fatalf("second run changed the output (err %v, %d entries added)\ninput:\n%s\noutput:\n%s", err, added, in, out)
		}
	})
}
