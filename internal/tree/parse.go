package tree

import "sort"

// Parsing the manifests is the fifth step of a load: every file the walk found is read and
// its documents parsed, on every core, those the prefilter (prefilter.go) keeps in full.

// parse reads and parses files (see ForEach): with triggers, only the documents that mention
// one are parsed in full (nil: every document); objectsOnly leaves out the duplicate-key scan
// of the others (see manifest.Select). A parse the cache holds for the same triggers is
// not made again.
func parse(files map[string]*File, rd reader, cache *Cache, trig *triggers, objectsOnly bool) error {
	list := make([]*File, 0, len(files))
	for _, f := range files {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Path < list[j].Path })
	key := trig.key() // what a cached parse must have been made with
	if objectsOnly && key != "" {
		// Its skipped documents are not scanned for duplicate keys: it serves no other Load.
		key += "\x02objects only"
	}
	keep := trig.keep()
	return ForEach(len(list), func(i int) error {
		f := list[i]
		if m, mode, ok := cache.get(f.Path, key); ok {
			f.Manifest, f.Mode = m, mode
			return nil
		}
		b, mode, ok := cache.read(f.Path)
		if !ok {
			var err error
			if b, mode, err = rd.read(f.Path); err != nil {
				return err
			}
		}
		f.Mode = mode
		m, err := parseFiltered(b, keep, objectsOnly)
		if err != nil {
			return lineErr(rd.display(f.Path), err)
		}
		f.Manifest = m
		cache.put(f.Path, key, m, mode)
		return nil
	})
}
