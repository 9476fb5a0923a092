package tree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	gitignore "github.com/monochromegane/go-gitignore"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/ext"
)

// Walking is the fourth step of a load: it follows the root's kustomization through its
// resources and components, as kustomize builds them, and finds every manifest file the build
// reads with the chain of layers its resources go through. Nothing here parses a manifest.

// build is what the walk found: the files the build of the root reads, and what the
// kustomizations on the way say.
type build struct {
	// root is the root's kustomization, nil for a directory without one.
	root *Kustomization
	// files are the manifest files, by real path; order lists each occurrence of a file in the
	// build, in build order, with its chain.
	files map[string]*File
	order []occurrence
	// generated are the Secrets of secretGenerators, warnings the parts acrgen cannot see into.
	generated []GeneratedSecret
	warnings  []finding.Finding
	// rootNS is the namespace the root and its components put its resources in; "" for none.
	rootNS string
	// ksops are the KSOPS generators of the build's kustomizations.
	ksops []*KSOPS
	// images and patchTexts are every images: entry and patch met, for the prefilter.
	images     []types.Image
	patchTexts []string
}

// occurrence is a manifest file in the build, with the layers the build applies to its
// resources, innermost first.
type occurrence struct {
	path  string
	chain []layer
}

// GeneratedSecret is a Secret that a kustomization's secretGenerator makes.
type GeneratedSecret struct {
	Name, Namespace, Kustomization string
}

// walker walks the kustomizations of one load.
type walker struct {
	paths paths
	kusts kustomizations
	stack []walking // the kustomizations being walked, outermost first
	b     *build
	// placed are the layers whose namespace: field, not a namespace name as written (it
	// holds a variable), is the one a file of the build ends in; each once.
	placed []layer
}

// walking is a kustomization being walked: its real path and the path it was reached by.
type walking struct{ real, path string }

// entryRef is the entry of a kustomization's resources or components that leads to another.
type entryRef struct {
	from *Kustomization
	line int
}

// walk walks the root: its kustomization, parsed afresh (not shared through the cache, as
// the overlay changes it), with the overlay's Adjust applied; without one, a kustomization
// that Adjust makes (as Flux generates one), or else the directory as plain manifests. The
// namespaces the build gives are then substituted as the overlay says.
func walk(ps paths, ks kustomizations, ov Overlay) (*build, error) {
	w := &walker{paths: ps, kusts: ks, b: &build{files: map[string]*File{}}}
	if err := w.root(ov.Adjust, ov.Select); err != nil {
		return nil, err
	}
	w.substitute(ov.SubstituteNamespace)
	for i := range w.b.generated {
		if w.b.generated[i].Namespace == "" {
			w.b.generated[i].Namespace = ov.DefaultNamespace
		}
	}
	return w.b, nil
}

// root walks the root directory (see walk); adjust and sel may be nil.
func (w *walker) root(adjust func(*types.Kustomization), sel func(string, bool) bool) error {
	ps, ks := w.paths, w.kusts
	if kpath := FindKustomization(ps.root); kpath != "" {
		// acrgen may edit the root's kustomization: a symlink out of the root is refused, as
		// for the manifests it edits.
		if _, _, err := ps.resolve(kpath, kpath, 0); err != nil {
			return err
		}
		k, err := ks.parse(kpath)
		if err != nil {
			return err
		}
		if adjust != nil {
			k.ownPatches = len(k.K.Patches)
			adjust(&k.K)
		}
		w.b.root = k
		return w.kustomization(k, nil, true, nil)
	}
	if adjust != nil {
		return w.generated(ps.root, adjust)
	}
	return w.plain(ps.root, sel)
}

// substitute runs a deployer's substitution (nil: none) on the namespaces the kustomizations
// give, as it runs on the build's output: the root's, the generated Secrets'. A namespace:
// field that is still no namespace name is reported once, for all the resources it places:
// what needs the pull secret there stops the run later (the instances name the field).
func (w *walker) substitute(sub func(string) string) {
	if sub == nil {
		sub = func(ns string) string { return ns }
	}
	w.b.rootNS = sub(w.b.rootNS)
	for i := range w.b.generated {
		w.b.generated[i].Namespace = sub(w.b.generated[i].Namespace)
	}
	for _, ly := range w.placed {
		ns := sub(ly.namespace)
		err := manifest.ValidateNamespace(ns)
		if err == nil {
			continue
		}
		what := err.Error()
		if vars := manifest.NamespaceVariables(ns); len(vars) > 0 {
			what = fmt.Sprintf("%q holds a variable that nothing acrgen reads substitutes (%s; Flux's postBuild substitutes it when it applies the directory)", ns, strings.Join(vars, ", "))
		}
		f := finding.New(finding.Unmodelled, "namespace: "+what+": acrgen cannot tell the namespace of the resources this kustomization places, and leaves those that need no pull secret out of its verdict",
			"write the namespace out, or run acrgen on the directory of the Flux Kustomization that substitutes it").At(ly.nsFile, ly.nsLine)
		f.Field = "namespace"
		w.b.warnings = append(w.b.warnings, f)
	}
}

func (w *walker) display(p string) string { return w.paths.display(p) }

func (w *walker) addFile(p string, chain []layer) {
	if _, ok := w.b.files[p]; !ok {
		w.b.files[p] = &File{Path: p, InRoot: w.paths.inRoot(p)}
	}
	w.b.order = append(w.b.order, occurrence{path: p, chain: chain})
	// The last namespace on the way is the one the file's resources end in.
	for i := len(chain) - 1; i >= 0; i-- {
		if ly := chain[i]; ly.namespace != "" {
			if ly.nsFile != "" && manifest.ValidateNamespace(ly.namespace) != nil &&
				!slices.ContainsFunc(w.placed, func(p layer) bool { return p.nsFile == ly.nsFile }) {
				w.placed = append(w.placed, ly)
			}
			break
		}
	}
}

// layer is what k does (see kustomizations.layer); its patches are noted for the prefilter.
func (w *walker) layer(k *Kustomization, root bool) (layer, error) {
	ly, err := w.kusts.layer(k, root)
	for _, p := range ly.patches {
		w.b.patchTexts = append(w.b.patchTexts, p.text)
	}
	return ly, err
}

// kustomization visits kustomization k, which via leads to (nil for the root). after is the
// chain of layers the build applies once k's own result leaves k (outer kustomizations, and
// components that follow).
func (w *walker) kustomization(k *Kustomization, after []layer, root bool, via *entryRef) error {
	leave, err := w.enter(k, via)
	if err != nil {
		return err
	}
	defer leave()

	w.b.images = append(w.b.images, k.K.Images...)
	if len(k.K.HelmCharts) > 0 {
		w.warn(k, "helmCharts", "helmCharts are not inspected: the workloads a chart renders get no imagePullSecrets from acrgen", "render the chart into files, or set the chart's imagePullSecrets value")
	}
	ksops, err := w.generators(k)
	if err != nil {
		return err
	}
	w.unmodelled(k)
	// kustomize builds k's resources (each base with its own transformers), then its
	// generators, then runs each component in turn on everything gathered so far (a component's
	// own resources join first, and its components run before its transformers), and last k's
	// own transformers: resources of k go through every component, flattened, and then k.
	self, err := w.layer(k, root)
	if err != nil {
		return err
	}
	comps := make([]*Kustomization, 0, len(k.K.Components))
	compLayers := make([][]layer, 0, len(k.K.Components))
	for _, c := range k.K.Components {
		ck, err := w.entry(k, "components", c)
		if err != nil {
			return err
		}
		cl, err := w.componentLayers(ck, &entryRef{k, k.entryLine("components", c)})
		if err != nil {
			return err
		}
		comps = append(comps, ck)
		compLayers = append(compLayers, cl)
	}
	chainFor := func(from int) []layer {
		var ch []layer
		for _, cl := range compLayers[from:] {
			ch = append(ch, cl...)
		}
		ch = append(ch, self)
		return append(ch, after...)
	}
	if root {
		for _, ly := range chainFor(0) {
			if ly.namespace != "" {
				w.b.rootNS = ly.namespace
			}
		}
	}
	for _, g := range k.K.SecretGenerator {
		ns := g.Namespace
		for _, ly := range chainFor(0) {
			if ly.namespace != "" {
				ns = ly.namespace
			}
		}
		w.b.generated = append(w.b.generated, GeneratedSecret{Name: g.Name, Namespace: ns, Kustomization: k.Path})
	}
	for _, entry := range k.K.Resources {
		if err := w.resource(k, entry, chainFor(0)); err != nil {
			return err
		}
	}
	// kustomize runs the generators after gathering the resources; what they make goes
	// through the same layers.
	for _, g := range ksops {
		g.Root = root
		for _, f := range g.Files {
			w.addFile(f, chainFor(0))
		}
		w.b.ksops = append(w.b.ksops, g)
	}
	for i, ck := range comps {
		// A component's own resources (and its components') see the component and
		// everything after it.
		if err := w.kustomization(ck, chainFor(i+1), false, &entryRef{k, k.entryLine("components", k.K.Components[i])}); err != nil {
			return err
		}
	}
	return nil
}

// enter pushes k, which via leads to (nil for the root), on the stack of kustomizations being
// walked, refusing a cycle; leave pops it.
func (w *walker) enter(k *Kustomization, via *entryRef) (leave func(), err error) {
	real, _, err := w.paths.cache.evalSymlinks(k.Path)
	if err != nil && k.Doc != nil {
		return nil, err
	} else if err != nil {
		real = k.Path // generated in memory
	}
	if i := slices.IndexFunc(w.stack, func(s walking) bool { return s.real == real }); i >= 0 {
		// Name the kustomizations of the cycle, from k back to k.
		var chain []string
		for _, s := range w.stack[i:] {
			chain = append(chain, w.display(s.path))
		}
		chain = append(chain, w.display(k.Path))
		msg := "cycle: the kustomizations include each other: " + strings.Join(chain, " -> ") + "; kustomize refuses it too: remove one of the entries"
		if via == nil {
			return nil, &InputError{Path: w.display(k.Path), Msg: msg}
		}
		return nil, &InputError{Path: w.display(via.from.Path), Line: via.line, Msg: msg}
	}
	w.stack = append(w.stack, walking{real: real, path: k.Path})
	return func() { w.stack = w.stack[:len(w.stack)-1] }, nil
}

// componentLayers is what component ck, which via leads to, does to the resources already
// gathered when it runs: the layers of the components it lists, in order (each flattened
// alike), then its own.
func (w *walker) componentLayers(ck *Kustomization, via *entryRef) ([]layer, error) {
	leave, err := w.enter(ck, via)
	if err != nil {
		return nil, err
	}
	defer leave()
	var out []layer
	for _, c := range ck.K.Components {
		nk, err := w.entry(ck, "components", c)
		if err != nil {
			return nil, err
		}
		nl, err := w.componentLayers(nk, &entryRef{ck, ck.entryLine("components", c)})
		if err != nil {
			return nil, err
		}
		out = append(out, nl...)
	}
	own, err := w.layer(ck, false)
	if err != nil {
		return nil, err
	}
	return append(out, own), nil
}

// generators reads the generators: of k: the KSOPS generators, whose files join the build,
// and a warning when there are others (or transformers:), which acrgen does not run.
func (w *walker) generators(k *Kustomization) ([]*KSOPS, error) {
	var out []*KSOPS
	others := false
	for _, entry := range k.K.Generators {
		g, err := w.ksops(k, entry)
		if err != nil {
			return nil, err
		}
		if g == nil {
			others = true
			continue
		}
		out = append(out, g)
	}
	const what, hint = "generators and transformers are not run: workloads they make or change are not seen", "check the built output (kustomize build) for workloads that pull from the registry"
	switch {
	case others:
		w.warn(k, "generators", what, hint)
	case len(k.K.Transformers) > 0:
		w.warn(k, "transformers", what, hint)
	}
	return out, nil
}

// ksops reads a generators: entry of k: the KSOPS generator its file holds, with its files
// resolved; nil for an entry that is not one (inline configuration, a directory, another
// plugin).
func (w *walker) ksops(k *Kustomization, entry string) (*KSOPS, error) {
	if isRemote(entry) || strings.Contains(entry, "\n") {
		return nil, nil
	}
	p, typ, err := w.paths.resolve(filepath.Join(k.Dir, entry), k.Path, k.entryLine("generators", entry))
	if err != nil || !typ.IsRegular() {
		return nil, err
	}
	g, err := readKSOPS(w.kusts.reader, k, entry, p)
	if g == nil || err != nil {
		return nil, err
	}
	g.InRoot = w.paths.inRoot(p)
	if g.Gen.SecretFrom {
		f := finding.New(finding.KSOPSUnmodelled, w.display(p), "secretFrom").At(p, 0)
		f.Field = "secretFrom"
		w.b.warnings = append(w.b.warnings, f)
	}
	for _, f := range g.Gen.Files {
		real, err := w.paths.ksopsFile(g, k.Dir, f)
		if err != nil {
			return nil, err
		}
		g.Files = append(g.Files, real)
	}
	return g, nil
}

// unmodelled warns about the fields of k that acrgen does not run: what they do to images,
// names, namespaces or pull secrets is not seen.
func (w *walker) unmodelled(k *Kustomization) {
	const build = "check the built output (kustomize build) for workloads that pull from the registry"
	const labels = "check the built output (kustomize build) if a patch or replacement depends on them"
	if len(k.K.Replacements) > 0 {
		w.warn(k, "replacements", "replacements are not run: an image, name, namespace or imagePullSecrets they set is not seen", build)
	}
	//lint:ignore SA1019 users still write the deprecated field, and kustomize still applies it
	if len(k.K.Vars) > 0 {
		w.warn(k, "vars", "vars are not substituted: an image or name that uses $(VAR) is seen as written", build)
	}
	//lint:ignore SA1019 users still write the deprecated field, and kustomize still applies it
	if len(k.K.CommonLabels) > 0 {
		w.warn(k, "commonLabels", "commonLabels also rewrite selectors and pod template labels, which acrgen does not model (it adds them to metadata.labels only)", labels)
	}
	for _, lb := range k.K.Labels {
		if lb.IncludeSelectors {
			w.warn(k, "labels", "labels with includeSelectors also rewrite selectors and pod template labels, which acrgen does not model (it adds them to metadata.labels only)", labels)
			break
		}
	}
}

// warn records what acrgen does not model in the field key of kustomization k, and what to do
// about it.
func (w *walker) warn(k *Kustomization, key, what, hint string) {
	f := finding.New(finding.Unmodelled, what, hint).At(k.Path, k.keyLine(key))
	f.Field = key
	w.b.warnings = append(w.b.warnings, f)
}

// entry is the kustomization that an entry of k's field (components) leads to.
func (w *walker) entry(k *Kustomization, field, entry string) (*Kustomization, error) {
	line := k.entryLine(field, entry)
	if isRemote(entry) {
		return nil, &InputError{Path: w.display(k.Path), Line: line, Msg: fmt.Sprintf("remote %s %q is not supported: acrgen edits local trees; vendor it or run acrgen where it lives", field, entry)}
	}
	p, _, err := w.paths.resolve(filepath.Join(k.Dir, entry), k.Path, line)
	if err != nil {
		return nil, err
	}
	kp := FindKustomization(p)
	if kp == "" {
		return nil, &InputError{Path: w.display(k.Path), Line: line, Msg: fmt.Sprintf("%s %q has no kustomization.yaml", field, entry)}
	}
	return w.kusts.read(kp)
}

// resource follows an entry of k's resources: a file joins the build with chain, a
// directory is walked as the kustomization it holds.
func (w *walker) resource(k *Kustomization, entry string, chain []layer) error {
	line := k.entryLine("resources", entry)
	if isRemote(entry) {
		return &InputError{Path: w.display(k.Path), Line: line, Msg: fmt.Sprintf("remote resource %q is not supported: acrgen edits local trees; vendor it or run acrgen where it lives", entry)}
	}
	p, typ, err := w.paths.resolve(filepath.Join(k.Dir, entry), k.Path, line)
	if err != nil {
		return err
	}
	if typ.IsDir() {
		kp := FindKustomization(p)
		if kp == "" {
			return &InputError{Path: w.display(k.Path), Line: line, Msg: fmt.Sprintf("resource directory %q has no kustomization.yaml", entry)}
		}
		sub, err := w.kusts.read(kp)
		if err != nil {
			return err
		}
		if sub.K.Kind == types.ComponentKind {
			return &InputError{Path: w.display(k.Path), Line: line, Msg: fmt.Sprintf("%q is a Component: list it under components, not resources", entry)}
		}
		return w.kustomization(sub, chain, false, &entryRef{k, line})
	}
	w.addFile(p, chain)
	return nil
}

// plain reads every .yaml, .yml and .json file under dir, skipping hidden directories and
// what the directory's .krmignore (gitignore syntax) excludes: a plain directory of
// manifests, as kpt reads a package. With sel, it reads what sel chooses instead.
func (w *walker) plain(dir string, sel func(rel string, dir bool) bool) error {
	if sel != nil {
		return w.selected(dir, sel)
	}
	var ignore gitignore.IgnoreMatcher = gitignore.DummyIgnoreMatcher(false)
	ignoreFile := filepath.Join(dir, ext.IgnoreFileName())
	if f, err := os.Open(ignoreFile); err == nil {
		ignore = gitignore.NewGitIgnoreFromReader(dir, f)
		f.Close()
	}
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && ignore.Match(p, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if p != dir && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
		default:
			return nil
		}
		real, typ, err := w.paths.resolve(p, p, 0)
		if err != nil {
			return err
		}
		if typ.IsDir() {
			return nil
		}
		paths = append(paths, real)
		return nil
	})
	if err != nil {
		return w.walkError(dir, err)
	}
	sort.Strings(paths)
	nested := ""
	for _, p := range paths {
		if nested == "" && konfigName(filepath.Base(p)) {
			nested = p
		}
		w.addFile(p, []layer{{root: true}})
	}
	if nested != "" {
		msg := fmt.Sprintf("%s has no kustomization, but %s is one: acrgen reads the directory as plain manifests and ignores what kustomizations do (namespaces, images)", w.display(dir), w.display(nested))
		w.b.warnings = append(w.b.warnings, finding.New(finding.Unmodelled, msg, "run it on a kustomization directory instead").At(dir, 0))
	}
	return nil
}

// selected reads the files of dir that sel chooses, entering the directories it chooses.
func (w *walker) selected(dir string, sel func(rel string, dir bool) bool) error {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if !sel(filepath.ToSlash(rel), d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		real, typ, err := w.paths.resolve(p, p, 0)
		if err != nil || typ.IsDir() {
			return err
		}
		paths = append(paths, real)
		return nil
	})
	if err != nil {
		return w.walkError(dir, err)
	}
	sort.Strings(paths)
	for _, p := range paths {
		w.addFile(p, []layer{{root: true}})
	}
	return nil
}

// generated reads a directory without a kustomization the way Flux's kustomize-controller
// builds one: it generates a kustomization listing every .yaml and .yml file below the
// directory, and each subdirectory holding a kustomization as one resource, then adjusts it
// (an [Overlay]) and walks it. The generated kustomization exists only in memory:
// Tree.Kustomization stays nil, so nothing is ever listed in it.
func (w *walker) generated(dir string, adjust func(*types.Kustomization)) error {
	var resources []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if FindKustomization(p) != "" {
				resources = append(resources, p)
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml":
			resources = append(resources, p)
		}
		return nil
	})
	if err != nil {
		return w.walkError(dir, err)
	}
	sort.Strings(resources)
	k := &Kustomization{Path: filepath.Join(dir, "kustomization.yaml"), Dir: dir}
	for _, r := range resources {
		rel, err := filepath.Rel(dir, r)
		if err != nil {
			return err
		}
		k.K.Resources = append(k.K.Resources, rel)
	}
	adjust(&k.K)
	return w.kustomization(k, nil, true, nil)
}

// walkError is an error met walking dir: an input error as it is, anything else (an unreadable
// directory) as an input error naming dir.
func (w *walker) walkError(dir string, err error) error {
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{Path: w.display(dir), Msg: err.Error()}
}
