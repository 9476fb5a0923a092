package tree

import (
	"bytes"
	"strings"

	"github.com/acrgen/acrgen/pkg/render"
	"sigs.k8s.io/kustomize/api/types"
)

// The prefilter decides which documents of the files the walk found are worth a full parse
// (parse.go parses them): those that mention a trigger. The others are recorded as skipped.

// triggers returns the lower-case strings that make a document worth parsing, or nil when
// every document must be parsed: the registries, the names that images: entries map onto
// them, and the relevant strings. images and patchTexts are every images: entry and patch of
// the build.
func triggers(registries, relevantStrings []string, images []types.Image, patchTexts []string) []string {
	if len(registries) == 0 && len(relevantStrings) == 0 {
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
	for _, r := range registries {
		if r == "docker.io" {
			return nil // Docker Hub short names ("nginx") carry no host to search for
		}
		add(r)
	}
	// An images: entry whose new name is on a registry (directly, or through another entry)
	// makes its name a trigger too.
	for changed := true; changed; {
		changed = false
		for _, im := range images {
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
	for _, p := range patchTexts {
		if relevant([]byte(p), out) {
			return nil
		}
	}
	for _, r := range relevantStrings {
		add(r)
	}
	return out
}

// relevant reports whether b mentions a trigger (triggers are lower case; b's ASCII letters
// match in either case).
func relevant(b []byte, triggers []string) bool { return anyIn(b, finders(triggers)) }

// finders returns a finder for each trigger.
func finders(triggers []string) []finder {
	fs := make([]finder, len(triggers))
	for i, t := range triggers {
		fs[i] = newFinder(t)
	}
	return fs
}

// anyIn reports whether b contains the string of one of fs.
func anyIn(b []byte, fs []finder) bool {
	for _, f := range fs {
		if f.in(b) {
			return true
		}
	}
	return false
}

// finder searches for a lower-case string, ignoring the case of ASCII letters, without making
// a lower-case copy of the text (a document is searched for every trigger, and most documents
// mention none). It looks for the string's rarest byte in Kubernetes manifests (the "z" of
// "azurecr.io", not its "m" or "a") and compares the text around each one it finds.
type finder struct {
	t      string
	at     int  // the index in t of the byte looked for
	lo, up byte // that byte in lower and upper case (the same byte for a non-letter)
}

func newFinder(t string) finder {
	f := finder{t: t}
	best := -1
	for i := 0; i < len(t); i++ {
		lo, up := t[i], t[i]
		if 'a' <= lo && lo <= 'z' {
			up = lo - 'a' + 'A'
		}
		cost := int(byteFreq(lo))
		if up != lo {
			cost += int(byteFreq(up))
		}
		if best < 0 || cost < best {
			best, f.at, f.lo, f.up = cost, i, lo, up
		}
	}
	return f
}

// in reports whether b contains the finder's string.
func (f finder) in(b []byte) bool {
	t := f.t
	if t == "" {
		return true
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
	if f.up == f.lo {
		nu = -1
	}
	// Candidates start at s, with the byte looked for at s+f.at.
	for s := 0; s+len(t) <= len(b); {
		i := s + f.at
		nl = next(f.lo, i, nl)
		if f.up != f.lo {
			nu = next(f.up, i, nu)
		}
		j := nl
		if j < 0 || nu >= 0 && nu < j {
			j = nu
		}
		if j < 0 {
			return false
		}
		s = j - f.at
		if s+len(t) > len(b) {
			return false
		}
		if asciiEqualFold(b[s:s+len(t)], t) {
			return true
		}
		s++
	}
	return false
}

// byteFreq is how often c occurs in Kubernetes manifests, per 100,000 bytes, as measured over
// 2 MB of public ones (kubeflow/manifests, GoogleCloudPlatform/microservices-demo, the Flux
// example repositories, stefanprodan/podinfo); bytes outside ASCII count as rare.
func byteFreq(c byte) uint16 {
	if c >= 0x80 {
		return 0
	}
	return asciiFreq[c]
}

// asciiFreq is byteFreq for the ASCII bytes, by byte.
var asciiFreq = [128]uint16{
	0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3222, 0, 0, 1, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	29842, 5, 588, 300, 81, 2, 6, 78, 76, 76, 70, 26, 108, 1733, 1308, 681,
	381, 341, 222, 164, 145, 115, 92, 81, 193, 150, 2455, 17, 10, 91, 15, 10,
	12, 287, 107, 305, 229, 286, 89, 154, 103, 433, 44, 91, 174, 259, 253, 167,
	358, 30, 273, 357, 283, 103, 236, 62, 38, 66, 46, 60, 120, 60, 2, 341,
	36, 4131, 950, 2098, 1534, 6683, 807, 1030, 839, 3655, 181, 699, 2421, 1716, 3307, 3684,
	1934, 100, 3323, 3431, 4346, 1694, 722, 431, 232, 810, 164, 424, 80, 424, 1, 0,
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

// parseFiltered parses a file's documents, only those that contain the string of a finder
// when there are finders (nil: every document); the others are recorded as skipped in the
// manifest. objectsOnly leaves out the duplicate-key scan of the skipped documents (see
// render.SelectManifest).
func parseFiltered(b []byte, fs []finder, objectsOnly bool) (*render.Manifest, error) {
	if fs == nil {
		return render.ParseManifest(b)
	}
	// Documents that mention no trigger cannot pull from the registry or be the Secret;
	// templates are parsed anyway so that they are reported.
	keep := func(doc []byte) bool {
		return anyIn(doc, fs) || bytes.Contains(doc, []byte("{{"))
	}
	if objectsOnly {
		return render.SelectManifest(b, keep)
	}
	return render.ParseManifestRelevant(b, keep)
}
