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

// relevant reports whether b mentions a trigger.
func relevant(b []byte, triggers []string) bool {
	lower := bytes.ToLower(b)
	for _, t := range triggers {
		if bytes.Contains(lower, []byte(t)) {
			return true
		}
	}
	return false
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
