package argocd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
)

// SourceType is how Argo CD builds a source (argo-cd ApplicationSourceType).
type SourceType string

// The source types acrgen works on.
const (
	KustomizeType SourceType = "Kustomize"
	DirectoryType SourceType = "Directory"
	helmType      SourceType = "Helm"
	pluginType    SourceType = "Plugin"
)

// Target is a directory of this repository that an Application source applies.
type Target struct {
	// Dir is the absolute directory (the source's path under the source root).
	Dir string
	App *Application
	// Source is the index of the source in App.Spec.AllSources().
	Source int
	Type   SourceType
	// Overlay is what Argo CD does to Dir: for a kustomize source, what the repo-server writes
	// into its kustomization (spec.source.kustomize); for a directory source, the files it
	// reads; for both, the destination namespace the application controller gives the
	// namespaced resources that carry none (argo-cd controller/state.go,
	// DeduplicateTargetObjects). Never nil.
	Overlay *tree.Overlay
	// Label names the source in messages: spec.source, spec.sources[i], or
	// spec.sourceHydrator.syncSource.
	Label    string
	failures *Failures
}

// Failures are what makes Argo CD's build of the target fail, found when its Overlay was last
// applied (by tree.Load).
func (t Target) Failures() []string { return t.failures.List() }

// Options controls Resolve.
type Options struct {
	// SourceRoot is the directory that spec.source.path is relative to; empty means the git
	// top level of the file holding the Application.
	SourceRoot string
	// RepoURLs name this repository, besides the remotes of the source root's git repository.
	// When there are none at all, every git source is taken as this repository (a warning
	// says so).
	RepoURLs    []string
	MaxFileSize int64
	Kinds       *manifest.Kinds
	// Display turns an absolute path into the form used in messages; nil keeps it.
	Display func(string) string
	// Cache shares the files read with the caller's later Loads.
	Cache *tree.Cache
}

// Repo is what Resolve found.
type Repo struct {
	// Targets are the directories Argo CD applies from this repository, once per source.
	Targets []Target
	// Plain are the directories given that hold no Application nor ApplicationSet: the caller
	// works on them as they are.
	Plain []string
	// Findings name what acrgen cannot see into, and what makes Argo CD's build fail, each
	// about the object concerned, at its file (absolute) and line.
	Findings []finding.Finding
	// Applications are every Application found or generated, followed or not.
	Applications []*Application
}

// Resolve finds the Argo CD Applications and ApplicationSets in dirs (every manifest below a
// directory without a kustomization; the build of one with a kustomization), follows the
// sources that are this repository, and the Applications that those sources apply in turn
// (app of apps).
func Resolve(dirs []string, opts Options) (*Repo, error) {
	if opts.Display == nil {
		opts.Display = func(s string) string { return s }
	}
	if opts.Kinds == nil {
		opts.Kinds = manifest.NewKinds()
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = tree.DefaultMaxFileSize
	}
	r := &resolver{opts: opts, repo: &Repo{}, seen: map[string]bool{}, gits: map[string]*gitRepo{}, roots: map[string]string{}}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, err
		}
		n := r.objectsFound
		var apps []*Application
		if hasKustomization(abs) {
			apps, err = r.build(abs, nil)
		} else {
			apps, err = r.scan(abs, true)
		}
		if err != nil {
			return nil, err
		}
		if r.objectsFound == n {
			r.repo.Plain = append(r.repo.Plain, abs)
		}
		for _, a := range apps {
			if err := r.follow(a); err != nil {
				return nil, err
			}
		}
	}
	return r.repo, nil
}

type resolver struct {
	opts Options
	repo *Repo
	seen map[string]bool
	gits map[string]*gitRepo
	// roots are the source roots (real paths, keys of gits) by the directory of the files
	// holding Applications.
	roots map[string]string
	// objectsFound counts the Applications and ApplicationSets read.
	objectsFound int
}

// add records f once.
func (r *resolver) add(f finding.Finding) {
	for _, x := range r.repo.Findings {
		if x.Code == f.Code && x.File == f.File && x.Line == f.Line && x.Field == f.Field && slices.Equal(x.Args, f.Args) && x.Object == f.Object {
			return
		}
	}
	r.repo.Findings = append(r.repo.Findings, f)
}

// about records a finding of code about app, at its file and line, with the values of the
// rule's parameters after {set}.
func (r *resolver) about(app *Application, code finding.Code, args ...string) {
	r.add(app.finding(code, args...))
}

func (r *resolver) inputErr(file string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return &tree.InputError{Path: r.opts.Display(file), Line: le.line, Msg: le.msg}
	}
	var ie *tree.InputError
	if errors.As(err, &ie) {
		return err
	}
	return &tree.InputError{Path: r.opts.Display(file), Msg: err.Error()}
}

func hasKustomization(dir string) bool { return tree.FindKustomization(dir) != "" }

// scan reads the Argo CD objects of every manifest in dir (below it too when recurse), skipping
// hidden directories and Helm charts.
func (r *resolver) scan(dir string, recurse bool) ([]*Application, error) {
	var out []*Application
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == dir {
				return nil
			}
			if !recurse || strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "Chart.yaml")); err == nil {
				r.chartWithApplications(p)
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		if !d.Type().IsRegular() {
			// A symlink may lead out of the repository.
			r.add(finding.New(finding.ArgoFileSkipped, "not a regular file (a symlink may lead out of the repository)").At(p, 0))
			return nil
		}
		b, _, err := tree.ReadRegular(p, r.opts.MaxFileSize)
		if err != nil {
			return &tree.InputError{Path: r.opts.Display(p), Msg: err.Error()}
		}
		if !strings.Contains(string(b), Group) {
			return nil
		}
		m, err := manifest.Parse(b)
		if err != nil {
			return r.inputErr(p, err)
		}
		apps, err := r.objects(p, m.Resources())
		out = append(out, apps...)
		return err
	})
	var ie *tree.InputError
	if err != nil && !errors.As(err, &ie) {
		err = &tree.InputError{Path: r.opts.Display(dir), Msg: err.Error()}
	}
	return out, err
}

// chartWithApplications warns when a Helm chart's templates make Argo CD objects (an app of
// apps written as a chart): acrgen cannot see which.
func (r *resolver) chartWithApplications(chart string) {
	templates, err := filepath.Glob(filepath.Join(chart, "templates", "*.y*ml"))
	if err != nil {
		return
	}
	for _, f := range templates {
		b, _, err := tree.ReadRegular(f, r.opts.MaxFileSize)
		if err == nil && strings.Contains(string(b), Group) && strings.Contains(string(b), "kind: Application") {
			r.add(finding.New(finding.ArgoChartApplications, r.opts.Display(chart), r.opts.Display(f)).At(filepath.Join(chart, "Chart.yaml"), 0))
			return
		}
	}
}

// objectKinds are the kinds of the Argo CD objects acrgen reads: the only documents a build
// parses for them.
var objectKinds = []tree.GroupKind{{Group: Group, Kind: "Application"}, {Group: Group, Kind: "ApplicationSet"}}

// build reads the Argo CD objects of dir's kustomize build, with the overlay of the source
// that builds it, if any.
func (r *resolver) build(dir string, overlay *tree.Overlay) ([]*Application, error) {
	t, err := tree.Load(dir, tree.Options{MaxFileSize: r.opts.MaxFileSize, Kinds: r.opts.Kinds, Display: r.opts.Display, Overlay: overlay, Cache: r.opts.Cache, ObjectsOnly: true,
		Interest: tree.Interest{Kinds: objectKinds}})
	if err != nil {
		return nil, err
	}
	var out []*Application
	for _, inst := range t.Instances {
		res := inst.Resource
		res.Namespace = inst.Namespace
		apps, err := r.objects(inst.File.Path, []manifest.Resource{res})
		if err != nil {
			return nil, err
		}
		out = append(out, apps...)
	}
	return out, nil
}

// objects decodes the Applications of resources, and expands their ApplicationSets.
func (r *resolver) objects(file string, resources []manifest.Resource) ([]*Application, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	var out []*Application
	for _, res := range resources {
		if res.APIVersion != APIVersion {
			continue
		}
		switch res.Kind {
		case "Application", "ApplicationSet":
			r.objectsFound++
		}
		switch res.Kind {
		case "Application":
			app, unknown, err := decodeApplication(res.Node)
			if err != nil {
				return nil, r.inputErr(file, err)
			}
			app.File, app.Namespace = abs, res.Namespace
			for _, u := range unknown {
				f := app.finding(finding.ArgoUnknownField)
				f.Field = u
				r.add(f)
			}
			out = append(out, app)
		case "ApplicationSet":
			set := &ApplicationSet{Name: res.Name, Namespace: res.Namespace, File: abs, Line: res.Node.Line}
			apps, fs, err := expandSet(set, res.Node)
			if err != nil {
				return nil, r.inputErr(file, err)
			}
			for _, f := range fs {
				r.add(f)
			}
			out = append(out, apps...)
		}
	}
	return out, nil
}

// follow adds the targets of app's sources that are this repository, then the Applications
// that they apply.
func (r *resolver) follow(app *Application) error {
	id := app.File + "\x00" + app.Set + "\x00" + app.Namespace + "\x00" + app.Name
	if r.seen[id] {
		return nil
	}
	r.seen[id] = true
	r.repo.Applications = append(r.repo.Applications, app)
	sources := app.Spec.AllSources()
	if len(sources) == 0 {
		r.about(app, finding.ArgoBuildFails, "", "no spec.source nor spec.sources: it applies nothing")
		return nil
	}
	var unseen []string
	var children []*Application
	for i := range sources {
		src := sources[i]
		label := app.Spec.sourceLabel(i)
		t, hidden, err := r.target(app, i, &src, label)
		if err != nil {
			return err
		}
		if t == nil {
			if hidden {
				unseen = append(unseen, label)
			}
			continue
		}
		r.repo.Targets = append(r.repo.Targets, *t)
		apps, err := r.childrenOf(t)
		if err != nil {
			return err
		}
		children = append(children, apps...)
	}
	if len(unseen) > 0 && len(unseen) < len(sources) {
		r.about(app, finding.ArgoPartlySeen, strings.Join(unseen, ", "))
	}
	for _, c := range children {
		if err := r.follow(c); err != nil {
			return err
		}
	}
	return nil
}

// childrenOf reads the Applications that a target applies (app of apps).
func (r *resolver) childrenOf(t *Target) ([]*Application, error) {
	return r.build(t.Dir, t.Overlay)
}

// target resolves one source of app. It returns nil and true when the source is not followed
// because acrgen cannot see it (a finding says so), and nil and false for a source that applies
// nothing of its own (a values-only ref) or whose build fails.
func (r *resolver) target(app *Application, i int, src *Source, label string) (*Target, bool, error) {
	unseen := func(code finding.Code, args ...string) (*Target, bool, error) {
		r.about(app, code, append([]string{label}, args...)...)
		return nil, true, nil
	}
	if src.Ref != "" && src.Path == "" && src.Chart == "" {
		return nil, false, nil // values for another source's Helm chart
	}
	if src.Chart != "" {
		return unseen(finding.ArgoHelmSource, src.Chart, src.RepoURL)
	}
	root, git, err := r.sourceRoot(app)
	if err != nil {
		return nil, false, err
	}
	urls := append(append([]string(nil), r.opts.RepoURLs...), git.remotes...)
	if len(urls) == 0 {
		r.add(finding.New(finding.ArgoNoRemote, r.opts.Display(root)))
	} else if !sameRepository(src.RepoURL, urls) {
		return unseen(finding.ArgoOtherRepository, src.RepoURL, strings.Join(urls, ", "))
	}
	seen, known := git.revision(src.TargetRevision)
	switch {
	case !known:
		r.about(app, finding.ArgoRevisionUnknown, label, src.TargetRevision)
	case !seen:
		r.about(app, finding.ArgoRevisionOther, label, src.TargetRevision, git.describe())
	}
	dir := filepath.Join(root, filepath.FromSlash(src.Path))
	leaves := func(how string) error {
		return &tree.InputError{Path: r.opts.Display(app.File), Line: app.Line, Msg: fmt.Sprintf("%s: %s.path %q leaves the source root %s%s", app, label, src.Path, r.opts.Display(root), how)}
	}
	if !tree.Within(root, dir) {
		return nil, false, leaves("")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if !seen {
			return unseen(finding.ArgoRevisionPath, src.Path, src.TargetRevision)
		}
		return nil, false, &tree.InputError{Path: r.opts.Display(app.File), Line: app.Line, Msg: fmt.Sprintf("%s: %s.path %q is not a directory under the source root %s: fix the path, or pass --source-root", app, label, src.Path, r.opts.Display(root))}
	}
	// A symlink on the way may lead out (the loader bounds its reads by the git work tree of
	// where it lands, not of where it started); the repo-server refuses such a checkout
	// (argo-cd util/app/path CheckOutOfBoundsSymlinks).
	if real, err := filepath.EvalSymlinks(dir); err != nil || !tree.Within(root, real) {
		return nil, false, leaves(" through a symlink")
	}
	if err := r.mergeOverrides(app, src, dir); err != nil {
		return nil, false, err
	}
	typ, err := sourceType(src, dir)
	if err != nil {
		return nil, false, &tree.InputError{Path: r.opts.Display(app.File), Line: app.Line, Msg: fmt.Sprintf("%s: %s: %v", app, label, err)}
	}
	t := &Target{Dir: dir, App: app, Source: i, Label: label, Overlay: &tree.Overlay{DefaultNamespace: app.Spec.Destination.Namespace}}
	switch typ {
	case helmType:
		r.about(app, finding.ArgoHelmSource, label, src.Path, "")
		r.chartWithApplications(dir) // an app of apps written as a chart
		return nil, true, nil
	case pluginType:
		return unseen(finding.ArgoPluginSource, src.Path)
	case DirectoryType:
		t.Type = DirectoryType
		var d Directory
		if src.Directory != nil {
			d = *src.Directory
		}
		ds, err := newDirSource(d, dir, r.opts.MaxFileSize)
		if err != nil {
			return nil, false, &tree.InputError{Path: r.opts.Display(app.File), Line: app.Line, Msg: fmt.Sprintf("%s: %s.directory: %v", app, label, err)}
		}
		t.Overlay.Select = ds.Select
		if ds.jsonnet() {
			r.about(app, finding.ArgoJsonnet, label, src.Path)
		}
		return t, false, nil
	}
	t.Type = KustomizeType
	if !hasKustomization(dir) {
		r.about(app, finding.ArgoBuildFails, label, fmt.Sprintf("a kustomize source, but %s has no kustomization", src.Path))
		return nil, false, nil
	}
	if src.Kustomize != nil {
		ov, f, err := overlayFor(src.Kustomize, dir, r.env(app, src, git))
		if err != nil {
			return nil, false, &tree.InputError{Path: r.opts.Display(app.File), Line: app.Line, Msg: fmt.Sprintf("%s: %s.%v", app, label, err)}
		}
		t.Overlay.Adjust, t.failures = ov.Adjust, f
	}
	return t, false, nil
}

// sourceType is how Argo CD builds src (argo-cd reposerver GetAppSourceType): the type its
// fields name, else what dir holds (a kustomization, else a Chart.yaml, else plain manifests).
func sourceType(src *Source, dir string) (SourceType, error) {
	var named []SourceType
	if src.Kustomize != nil {
		named = append(named, KustomizeType)
	}
	if src.Helm != nil {
		named = append(named, helmType)
	}
	if src.Directory != nil {
		named = append(named, DirectoryType)
	}
	if src.Plugin != nil {
		named = append(named, pluginType)
	}
	switch {
	case len(named) > 1:
		return "", fmt.Errorf("multiple application sources defined: %v (Argo CD refuses it)", named)
	case len(named) == 1:
		return named[0], nil
	case hasKustomization(dir):
		return KustomizeType, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
		return helmType, nil
	}
	return DirectoryType, nil
}

// overrideFiles are the files in a source's path whose fields the repo-server merges into the
// source (argo-cd reposerver mergeSourceParameters); Argo CD Image Updater writes the second.
func overrideFiles(dir, app string) []string {
	return []string{filepath.Join(dir, ".argocd-source.yaml"), filepath.Join(dir, ".argocd-source-"+app+".yaml")}
}

// mergeOverrides merges the override files of dir into src, as a JSON merge patch each;
// repoURL, path, targetRevision and chart stay the Application's.
func (r *resolver) mergeOverrides(app *Application, src *Source, dir string) error {
	for _, f := range overrideFiles(dir, app.Name) {
		b, _, err := tree.ReadRegular(f, r.opts.MaxFileSize)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return &tree.InputError{Path: r.opts.Display(f), Msg: err.Error()}
		}
		merged, err := mergeSource(*src, b)
		if err != nil {
			return &tree.InputError{Path: r.opts.Display(f), Msg: fmt.Sprintf("merging it into the source of %s: %v", app, err)}
		}
		merged.RepoURL, merged.Path, merged.TargetRevision, merged.Chart = src.RepoURL, src.Path, src.TargetRevision, src.Chart
		*src = merged
	}
	return nil
}

// mergeSource applies patch (YAML) to src as a JSON merge patch.
func mergeSource(src Source, patch []byte) (Source, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(patch, &doc); err != nil {
		return src, err
	}
	if len(doc.Content) == 0 {
		return src, nil
	}
	pj, err := yaml.NewRNode(doc.Content[0]).MarshalJSON()
	if err != nil {
		return src, err
	}
	var node yaml.Node
	if err := node.Encode(src); err != nil {
		return src, err
	}
	sj, err := yaml.NewRNode(&node).MarshalJSON()
	if err != nil {
		return src, err
	}
	out, err := jsonpatch.MergePatch(sj, pj)
	if err != nil {
		return src, err
	}
	var merged yaml.Node
	if err := yaml.Unmarshal(out, &merged); err != nil {
		return src, err
	}
	var res Source
	if err := decodeNode(merged.Content[0], &res); err != nil {
		return src, err
	}
	return res, nil
}

// env is the repo-server's build environment for a source of app.
func (r *resolver) env(app *Application, src *Source, git *gitRepo) Env {
	rev := ""
	if seen, _ := git.revision(src.TargetRevision); seen {
		rev = git.head
	}
	short := func(n int) string {
		if len(rev) > n {
			return rev[:n]
		}
		return rev
	}
	return Env{
		"ARGOCD_APP_NAME":                   app.Name,
		"ARGOCD_APP_NAMESPACE":              app.Spec.Destination.Namespace,
		"ARGOCD_APP_PROJECT_NAME":           app.Spec.Project,
		"ARGOCD_APP_REVISION":               rev,
		"ARGOCD_APP_REVISION_SHORT":         short(7),
		"ARGOCD_APP_REVISION_SHORT_8":       short(8),
		"ARGOCD_APP_SOURCE_REPO_URL":        src.RepoURL,
		"ARGOCD_APP_SOURCE_PATH":            src.Path,
		"ARGOCD_APP_SOURCE_TARGET_REVISION": src.TargetRevision,
	}
}

// sameRepository reports whether url names one of urls.
func sameRepository(url string, urls []string) bool {
	n := NormalizeURL(url)
	for _, u := range urls {
		if NormalizeURL(u) == n {
			return true
		}
	}
	return false
}

// sourceRoot is --source-root, or the git top level of the file holding app (as tree.GitTop
// finds it: a .git file is followed only to this work tree's own git directory); and what
// acrgen reads of its git repository. Both are found once per directory of such files: every
// source of every Application there (an ApplicationSet's thousand) asks.
func (r *resolver) sourceRoot(app *Application) (string, *gitRepo, error) {
	dir := filepath.Dir(app.File)
	if real, ok := r.roots[dir]; ok {
		return real, r.gits[real], nil
	}
	root := r.opts.SourceRoot
	if root == "" {
		if root, _ = tree.GitTop(dir); root == "" {
			return "", nil, &tree.InputError{Path: r.opts.Display(app.File), Line: app.Line, Msg: fmt.Sprintf("%s is not in a git repository: pass --source-root DIR, the directory its source paths are relative to", app)}
		}
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return "", nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", nil, &tree.InputError{Path: root, Msg: "source root: " + err.Error()}
	}
	r.roots[dir] = real
	if g, ok := r.gits[real]; ok {
		return real, g, nil
	}
	g := &gitRepo{refs: map[string]string{}}
	if _, gitDir := tree.GitTop(real); gitDir != "" {
		g = openGit(gitDir)
	}
	r.gits[real] = g
	return real, g, nil
}

// FailureFindings are the findings of what makes Argo CD's build of the target fail (see
// Failures), one each, about its Application.
func (t Target) FailureFindings() []finding.Finding {
	var out []finding.Finding
	for _, msg := range t.Failures() {
		out = append(out, t.App.finding(finding.ArgoBuildFails, t.Label, msg))
	}
	return out
}
