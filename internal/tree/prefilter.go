package tree

import (
	"bytes"
	"strings"

	"github.com/acrgen/acrgen/pkg/manifest"
	"sigs.k8s.io/kustomize/api/types"
)

// The prefilter decides which documents of the files the walk found are worth a full parse
// (parse.go parses them): those that mention a trigger. The others are recorded as skipped.
// The triggers are derived from what the caller needs (an Interest), the workload kinds, and
// the tree itself (its images: entries and patches): no caller lists strings to search for.

// Interest is what a caller of [Load] needs of a tree's documents. The prefilter derives from
// it and from [Options.Kinds] what makes a document worth a full parse; the others are recorded as skipped (manifest.File.Skipped), once every file has
// been checked for size, encoding and templates. The zero Interest parses every document.
//
// The triggers are found in a document's text as written: a value spelled with YAML escapes
// ("\x41") is not recognized.
type Interest struct {
	// Registries are login servers: a document that may pull from one is parsed. It names one
	// (ignoring case), or an image name that an images: entry of the tree maps onto one; a
	// patch that names one may point any workload there, and makes every document parsed.
	// With Registries, the objects of the kinds of Options.Kinds whose pull secrets serve
	// other objects (a ServiceAccount's serve the pods that run as it: see
	// manifest.WorkloadKind.Lends) are parsed too, whatever they mention, and so is a document
	// that holds a variable ("${": once substituted, it may name a registry). Docker Hub
	// ("docker.io") makes every document parsed: its short names ("nginx") carry no host.
	//
	// A document that names none of these can matter to no run: it is not parsed, and so an
	// invalid namespace written out in it (not a variable) is not reported.
	Registries []string
	// Names are object names: a document that mentions one (ignoring case) is parsed.
	Names []string
	// Kinds are kinds whose every object is parsed.
	Kinds []GroupKind
}

// GroupKind is an API group and kind; Group is "" for the core group.
type GroupKind struct{ Group, Kind string }

// triggers are what makes a document worth a full parse: a word it mentions (ignoring
// case), or a kind it may be an object of (see kindFinder).
type triggers struct {
	words []string // lower case
	kinds []GroupKind
}

// deriveTriggers returns the triggers of a load that needs in, or nil when every document
// must be parsed. kinds are the workload kinds, and images and patchTexts are every images:
// entry and patch of the build.
func deriveTriggers(in Interest, kinds *manifest.Kinds, images []types.Image, patchTexts []string) *triggers {
	if len(in.Registries) == 0 && len(in.Names) == 0 && len(in.Kinds) == 0 {
		return nil
	}
	t := &triggers{kinds: in.Kinds}
	set := map[string]bool{}
	add := func(s string) {
		if s = strings.ToLower(s); s != "" && !set[s] {
			set[s] = true
			t.words = append(t.words, s)
		}
	}
	for _, r := range in.Registries {
		if strings.EqualFold(r, "docker.io") {
			return nil
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
			for _, w := range t.words {
				if strings.Contains(nn, w) {
					add(im.Name)
					changed = true
					break
				}
			}
		}
	}
	for _, p := range patchTexts {
		if relevant([]byte(p), t.words) {
			return nil
		}
	}
	if len(in.Registries) > 0 {
		for _, wk := range kinds.List() {
			if wk.Lends() {
				t.kinds = append(t.kinds, GroupKind{wk.Group, wk.Kind})
			}
		}
		// A variable may become a registry once substituted (Flux's postBuild); in a namespace
		// that nothing substitutes, it is reported with the object.
		add("${")
	}
	for _, n := range in.Names {
		add(n)
	}
	return t
}

// key identifies the triggers, for the cache: a parse made with the same triggers serves
// another Load. It is "" for nil, which parses every document.
func (t *triggers) key() string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	for _, w := range t.words {
		b.WriteString(w + "\x00")
	}
	for _, k := range t.kinds {
		b.WriteString("\x01" + k.Group + "\x01" + k.Kind + "\x00")
	}
	return b.String()
}

// keep returns whether a document mentions a trigger; nil for nil triggers (every document
// is kept).
func (t *triggers) keep() func(doc []byte) bool {
	if t == nil {
		return nil
	}
	fs := finders(t.words)
	ks := make([]kindFinder, len(t.kinds))
	for i, k := range t.kinds {
		ks[i] = kindFinder{kind: []byte(k.Kind), group: []byte(k.Group)}
	}
	return func(doc []byte) bool {
		if anyIn(doc, fs) {
			return true
		}
		for _, k := range ks {
			if k.in(doc) {
				return true
			}
		}
		return false
	}
}

// kindFinder finds a document that may be an object of a kind: it names the kind as a word
// (not inside a longer one), in the kind's case (kinds are case-sensitive:
// "serviceAccountName" is no ServiceAccount), and, but for the core group, names the group.
// However the document spells its kind (kind: X, kind: "X", {"kind":"X"}, a tag, extra
// spaces), the kind is a word of it.
type kindFinder struct{ kind, group []byte }

func (f kindFinder) in(b []byte) bool {
	if len(f.kind) == 0 || len(f.group) > 0 && !bytes.Contains(b, f.group) {
		return false
	}
	for i := 0; ; {
		j := bytes.Index(b[i:], f.kind)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(f.kind)
		if (j == 0 || !wordByte(b[j-1])) && (end == len(b) || !wordByte(b[end])) {
			return true
		}
		i = j + 1
	}
}

// wordByte reports whether c may be part of a kind's name.
func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
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

// parseFiltered parses a file's documents, only those that keep returns true for when keep is
// not nil (nil: every document); the others are recorded as skipped in the manifest.
// objectsOnly leaves out the duplicate-key scan of the skipped documents (see
// manifest.Select).
func parseFiltered(b []byte, keep func([]byte) bool, objectsOnly bool) (*manifest.File, error) {
	if keep == nil {
		return manifest.Parse(b)
	}
	// Documents that mention no trigger cannot matter; templates are parsed anyway so that
	// they are reported.
	parse := func(doc []byte) bool {
		return keep(doc) || bytes.Contains(doc, []byte("{{"))
	}
	if objectsOnly {
		return manifest.Select(b, parse)
	}
	return manifest.ParseRelevant(b, parse)
}
