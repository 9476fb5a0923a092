package manifest

import (
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// Matcher decides whether an image reference pulls from one of a set of login servers.
// Hosts compare case-insensitively; references are parsed with the distribution reference
// grammar (the kubelet's), so "nginx" is docker.io and lookalike hosts never match.
type Matcher struct {
	servers []string
}

// NewMatcher returns a Matcher for the given login servers (as settings.ParseLoginServer
// gives them).
func NewMatcher(loginServers []string) *Matcher {
	return &Matcher{servers: append([]string(nil), loginServers...)}
}

// Match reports the login server an image pulls from, if it is one of the Matcher's: the
// image's host is the server or, for a server without a port, the server with the explicit
// port 443 (myregistry.azurecr.io:443/app), which is the same HTTPS endpoint. Another port is
// another endpoint, which Azure Container Registry does not serve. The host form the image
// names is what its pull credential is keyed by (see [HostForm]).
func (m *Matcher) Match(image string) (string, bool) {
	host := ImageHost(image)
	if host == "" {
		return "", false
	}
	name, https := strings.CutSuffix(host, ":443")
	for _, s := range m.servers {
		if strings.EqualFold(host, s) || (https && !strings.Contains(s, ":") && strings.EqualFold(name, s)) {
			return s, true
		}
	}
	return "", false
}

// HostForm is the registry host of an image reference as the kubelet looks up its pull
// credentials: lower case, its port kept. The kubelet matches the hosts of a pull Secret's
// auths entries with the image's host part by part, and a port must be the same on both sides
// (kubernetes/kubernetes pkg/credentialprovider/keyring.go, urlsMatch: "port doesn't match"),
// so an entry for myregistry.azurecr.io does not serve myregistry.azurecr.io:443/app: the
// Secret needs an entry for each form the workloads use.
func HostForm(image string) string { return strings.ToLower(ImageHost(image)) }

// ImageHost returns the registry host of an image reference as written (case kept), with
// docker.io for short names. References the grammar rejects, such as ones whose tag is an
// unresolved ${VAR} placeholder (Flux post-build substitution), still yield their host when
// the part before the first slash is unambiguously one; otherwise ImageHost returns "".
func ImageHost(image string) string {
	hosts.Lock()
	h, ok := hosts.m[image]
	hosts.Unlock()
	if !ok {
		h = imageHost(image)
		hosts.Lock()
		if len(hosts.m) >= 1<<14 {
			clear(hosts.m)
		}
		hosts.m[image] = h
		hosts.Unlock()
	}
	return h
}

// hosts keeps ImageHost's answers: a tree names the same images many times, and the reference
// grammar is a large regular expression.
var hosts = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func imageHost(image string) string {
	image = strings.TrimSpace(image)
	if image == "" {
		return ""
	}
	if named, err := reference.ParseNormalizedNamed(image); err == nil {
		return reference.Domain(named)
	}
	// Fallback for references with placeholders: split the host off the way the grammar does.
	if i := strings.IndexByte(image, '/'); i > 0 {
		first := image[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || first != strings.ToLower(first) {
			if strings.ContainsAny(first, " \t{}$\"'@") {
				return ""
			}
			return first
		}
	}
	if c := image[0]; (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
		return "docker.io"
	}
	return ""
}
