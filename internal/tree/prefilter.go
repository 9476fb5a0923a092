package tree

import (
	"bytes"
	"strings"

	"github.com/acrgen/acrgen/pkg/render"
)

func (l *loader) noteImages(k *Kustomization) { l.images = append(l.images, k.K.Images...) }

// triggers returns the lower-case strings that make a file worth parsing, or nil when every
// file must be parsed.
func (l *loader) triggers() []string {
	if len(l.opts.Registries) == 0 && len(l.opts.Relevant) == 0 {
		return nil
	}
	set := map[string]bool{}
	var out []string
	add := func(s string) {
		if s = strings.ToLower(s); s != "" && !set[s] {
			set[s] = true
			out = append(out, s)
		}
	}
	for _, r := range l.opts.Registries {
		if r == "docker.io" {
			return nil // Docker Hub short names ("nginx") carry no host to search for
		}
		add(r)
	}
	// An images: entry whose new name is on a registry (directly, or through another entry)
	// makes its name a trigger too.
	for changed := true; changed; {
		changed = false
		for _, im := range l.images {
			if im.Name == "" || set[strings.ToLower(im.Name)] || im.NewName == "" {
				continue
			}
			nn := strings.ToLower(im.NewName)
			for _, t := range out {
				if strings.Contains(nn, t) {
					add(im.Name)
					changed = true
					break
				}
			}
		}
	}
	// A patch that mentions a trigger can point any workload at the registry: parse everything.
	for _, p := range l.patchTexts {
		if relevant([]byte(p), out) {
			return nil
		}
	}
	for _, r := range l.opts.Relevant {
		add(r)
	}
	return out
}

// relevant reports whether b mentions a trigger (triggers are lower case; b's ASCII letters
// match in either case).
func relevant(b []byte, triggers []string) bool {
	for _, t := range triggers {
		if containsFold(b, t) {
			return true
		}
	}
	return false
}

// containsFold reports whether b contains t, a lower-case string, ignoring the case of ASCII
// letters, without making a lower-case copy of b (a document is searched for every trigger,
// and most documents mention none).
func containsFold(b []byte, t string) bool {
	if t == "" {
		return true
	}
	lo, up := t[0], t[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - 'a' + 'A'
	}
	// next finds the next c at or after i, remembering the last answer (at) so that each of
	// the two letters is searched for once per occurrence, not once per candidate.
	next := func(c byte, i, at int) int {
		if at >= i || at == -1 {
			return at
		}
		if k := bytes.IndexByte(b[i:], c); k >= 0 {
			return i + k
		}
		return -1
	}
	nl, nu := -2, -2 // -2: not searched yet
	if up == lo {
		nu = -1
	}
	for i := 0; i+len(t) <= len(b); {
		nl = next(lo, i, nl)
		if up != lo {
			nu = next(up, i, nu)
		}
		j := nl
		if j < 0 || nu >= 0 && nu < j {
			j = nu
		}
		if j < 0 || j+len(t) > len(b) {
			return false
		}
		if asciiEqualFold(b[j:j+len(t)], t) {
			return true
		}
		i = j + 1
	}
	return false
}

// asciiEqualFold reports whether b equals t, a lower-case string, ignoring the case of ASCII
// letters in b.
func asciiEqualFold(b []byte, t string) bool {
	for k := 0; k < len(t); k++ {
		c := b[k]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[k] {
			return false
		}
	}
	return true
}

// parseFiltered parses a file's documents, only those that mention a trigger when there are
// triggers; the others are recorded as skipped in the manifest. objectsOnly leaves out the
// duplicate-key scan of the skipped documents (see render.SelectManifest).
func parseFiltered(b []byte, triggers []string, objectsOnly bool) (*render.Manifest, error) {
	if triggers == nil {
		return render.ParseManifest(b)
	}
	// Documents that mention no trigger cannot pull from the registry or be the Secret;
	// templates are parsed anyway so that they are reported.
	keep := func(doc []byte) bool {
		return relevant(doc, triggers) || bytes.Contains(doc, []byte("{{"))
	}
	if objectsOnly {
		return render.SelectManifest(b, keep)
	}
	return render.ParseManifestRelevant(b, keep)
}
