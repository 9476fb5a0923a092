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

// Match reports the login server an image pulls from, if it is one of the Matcher's.
func (m *Matcher) Match(image string) (string, bool) {
	host := ImageHost(image)
	if host == "" {
		return "", false
	}
	for _, s := range m.servers {
		if strings.EqualFold(host, s) {
			return s, true
		}
	}
	return "", false
}

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
