package engine_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The generator below makes random kustomize trees for the differential test in
// model_test.go. A tree is generated once per seed as a structure of removable parts (each
// with an id); write renders it to disk with some parts switched off, which is how a failing
// tree is minimized.

const (
	registry   = "myregistry.azurecr.io"
	secretName = "acr-pull"
	digest     = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// unmodelled features: a generated tree with one of them is checked only for acrgen's warning.
var unmodelled = []struct{ name, text, warning string }{
	{"replacements", "replacements:\n- source: {kind: ConfigMap, name: images, fieldPath: data.image}\n  targets:\n  - select: {kind: Deployment}\n    fieldPaths: [spec.template.spec.containers.0.image]\n", "replacements are not run"},
	{"vars", "vars:\n- name: IMG\n  objref: {kind: ConfigMap, name: images, apiVersion: v1}\n  fieldref: {fieldPath: data.image}\n", "vars are not substituted"},
	{"commonLabels", "commonLabels:\n  team: a\n", "commonLabels"},
	{"labels", "labels:\n- pairs: {team: a}\n  includeSelectors: true\n", "labels with includeSelectors"},
}

type genContainer struct {
	id          int
	name, image string
}

type genWorkload struct {
	id                    int
	kind, name, namespace string
	nsID                  int
	containers, inits     []genContainer
	secrets               []string
	secretsID             int
}

type genFile struct {
	path string
	list bool
	docs []*genWorkload
}

type genImage struct {
	id                            int
	name, newName, newTag, digest string
}

type genPatch struct {
	id     int
	field  string // patches, patchesStrategicMerge or patchesJson6902
	text   string
	target string // a flow mapping, or empty
	file   string // the patch is in this file (relative to the kustomization) when set
}

type genKust struct {
	dir                       string
	component                 bool
	namespace, prefix, suffix string
	nsID, prefixID, suffixID  int
	resources                 []string
	resIDs                    []int
	components                []string
	compIDs                   []int
	images                    []*genImage
	patches                   []*genPatch
	extra                     string
	// tier is a label (or, with annotate, an annotation) the kustomization adds.
	tier     string
	annotate bool
	tierID   int
}

type genTree struct {
	seed       uint64
	rnd        *rand.Rand
	next       int
	kusts      []*genKust
	files      []*genFile
	unmodelled string // the warning expected, when the tree uses an unmodelled feature
	nDirs      int
}

// view is a resource as it leaves a kustomization during generation.
type view struct {
	w     *genWorkload
	names []string
	ns    string
	// tier and note are the tier label and annotation outer layers added.
	tier, note string
	// volumes is true once a patch has given the pod spec a volumes list, which later patches
	// may then append to (a JSON 6902 add of volumes/- fails on a pod spec without one).
	volumes bool
}

func (g *genTree) id() int { g.next++; return g.next }

func (g *genTree) pick(xs ...string) string { return xs[g.rnd.IntN(len(xs))] }

func (g *genTree) chance(p float64) bool { return g.rnd.Float64() < p }

// generate makes the tree for a seed: a root kustomization in root/ over overlays a few levels
// deep, some inside root/ and some beside it (so acrgen patches them from outside).
func generate(seed uint64) *genTree {
	g := &genTree{seed: seed, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	depth := 1 + g.rnd.IntN(3)
	_, _ = g.kustomization("root", depth, false)
	if g.chance(0.12) {
		u := unmodelled[g.rnd.IntN(len(unmodelled))]
		k := g.kusts[g.rnd.IntN(len(g.kusts))]
		k.extra += u.text
		g.unmodelled = u.warning
	}
	return g
}

var imagePool = []string{"app", "app:1.0", "web", "nginx:1.25", "busybox", registry + "/api:v1", registry + "/team/worker@" + digest, "docker.io/library/redis:7", registry + "/api", registry + ":443/api:v2"}

func (g *genTree) container(prefix string, i int) genContainer {
	return genContainer{id: g.id(), name: fmt.Sprintf("%s%d", prefix, i), image: imagePool[g.rnd.IntN(len(imagePool))]}
}

func (g *genTree) workload(ns string) *genWorkload {
	kinds := []string{"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod", "ConfigMap"}
	w := &genWorkload{id: g.id(), kind: kinds[g.rnd.IntN(len(kinds))], nsID: g.id(), secretsID: g.id()}
	w.name = fmt.Sprintf("%s%d", strings.ToLower(w.kind[:3]), w.id)
	if ns != "" && g.chance(0.5) {
		w.namespace = ns
	}
	if w.kind == "ConfigMap" {
		return w
	}
	for i := 0; i < 1+g.rnd.IntN(2); i++ {
		w.containers = append(w.containers, g.container("c", i))
	}
	if g.chance(0.3) {
		w.inits = append(w.inits, g.container("i", 0))
	}
	if g.chance(0.25) {
		w.secrets = []string{g.pick("other", secretName)}
	}
	return w
}

// kustomization generates the kustomization in dir with children depth levels deep, and
// returns what leaves it.
func (g *genTree) kustomization(dir string, depth int, component bool) (*genKust, []view) {
	k := &genKust{dir: dir, component: component, nsID: g.id(), prefixID: g.id(), suffixID: g.id(), tierID: g.id()}
	g.kusts = append(g.kusts, k)
	if component {
		return k, nil // the caller adds the component's resources and transformers
	}
	var views []view
	addRes := func(entry string) { k.resources = append(k.resources, entry); k.resIDs = append(k.resIDs, g.id()) }
	if depth > 0 {
		for i := 0; i < 1+g.rnd.IntN(2); i++ {
			g.nDirs++
			var child string
			if g.chance(0.5) {
				child = fmt.Sprintf("%s/k%d", dir, g.nDirs) // inside the parent
			} else {
				child = fmt.Sprintf("k%d", g.nDirs) // beside it
			}
			_, vs := g.kustomization(child, depth-1-g.rnd.IntN(depth), false)
			addRes(rel(dir, child))
			views = append(views, vs...)
		}
	}
	if depth == 0 || g.chance(0.4) {
		vs, entry := g.file(dir)
		addRes(entry)
		views = append(views, vs...)
	}
	if g.chance(0.3) {
		for i := 0; i < 1+g.rnd.IntN(2); i++ {
			views = g.component(k, views, 2)
		}
	}
	views = g.transform(k, views)
	return k, views
}

// component adds a new component to parent, which may list components of its own, nesting
// up to depth more levels, and returns views as they leave it. kustomize runs a component on
// everything its parent gathered so far: the component's own resources join first, then its
// components run, then its own patches and images.
func (g *genTree) component(parent *genKust, views []view, depth int) []view {
	g.nDirs++
	c := fmt.Sprintf("c%d", g.nDirs)
	ck, _ := g.kustomization(c, -1, true)
	parent.components = append(parent.components, rel(parent.dir, c))
	parent.compIDs = append(parent.compIDs, g.id())
	if g.chance(0.3) {
		vs, entry := g.file(c)
		ck.resources = append(ck.resources, entry)
		ck.resIDs = append(ck.resIDs, g.id())
		views = append(views, vs...)
	}
	if depth > 0 && g.chance(0.4) {
		for i := 0; i < 1+g.rnd.IntN(2); i++ {
			views = g.component(ck, views, depth-1)
		}
	}
	views = g.transform(ck, views)
	if len(ck.resources)+len(ck.components)+len(ck.patches)+len(ck.images) == 0 && ck.namespace == "" && ck.tier == "" {
		// kustomize refuses an empty kustomization.
		ck.images = append(ck.images, &genImage{id: g.id(), name: "busybox", newTag: "v4"})
	}
	return views
}

// transform gives k random patches, images and name and namespace changes for the resources
// views, and returns them as they leave k.
func (g *genTree) transform(k *genKust, views []view) []view {
	for i := 0; i < g.rnd.IntN(3); i++ {
		if len(views) == 0 {
			break
		}
		var deleted *genWorkload
		views, deleted = g.patch(k, views)
		if deleted != nil {
			kept := views[:0:0]
			for _, v := range views {
				if v.w != deleted {
					kept = append(kept, v)
				}
			}
			views = kept
		}
	}
	if g.chance(0.4) {
		// ${CLUSTER} is a namespace Flux's postBuild would fill in, written in the kustomization.
		k.namespace = g.pick("ns-a", "ns-b", "ns-c", "ns-a", "ns-b", "${CLUSTER}")
	}
	if !k.component && g.chance(0.3) {
		k.prefix = g.pick("p-", "q-")
	}
	if !k.component && g.chance(0.2) {
		k.suffix = g.pick("-s", "-t")
	}
	for i := 0; i < g.rnd.IntN(3); i++ {
		im := &genImage{id: g.id(), name: g.pick("app", "web", "nginx", "busybox", registry+"/api", "staging-app")}
		switch g.rnd.IntN(4) {
		case 0:
			im.newName = registry + "/" + g.pick("app", "mapped", "team/web")
		case 1:
			im.newName = "staging-app"
		}
		if g.chance(0.4) {
			im.newTag = g.pick("v2", "latest")
		}
		if g.chance(0.2) {
			im.digest = digest
		}
		if im.newName == "" && im.newTag == "" && im.digest == "" {
			im.newTag = "v3"
		}
		k.images = append(k.images, im)
	}
	if g.chance(0.2) {
		k.tier, k.annotate = g.pick("t1", "t2"), g.chance(0.5)
	}
	out := make([]view, len(views))
	for i, v := range views {
		if k.namespace != "" {
			v.ns = k.namespace
		}
		if k.tier != "" && k.annotate {
			v.note = k.tier
		} else if k.tier != "" {
			v.tier = k.tier
		}
		name := k.prefix + v.names[len(v.names)-1] + k.suffix
		v.names = append(append([]string(nil), v.names...), name)
		out[i] = v
	}
	return out
}

func apiVersion(kind string) string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		return "apps/v1"
	case "Job", "CronJob":
		return "batch/v1"
	}
	return "v1"
}

func podPath(kind string) []string {
	switch kind {
	case "Pod":
		return []string{"spec"}
	case "CronJob":
		return []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	return []string{"spec", "template", "spec"}
}

// patch adds one random patch on a resource of views to k. It returns the workload a
// $patch: delete removes, if any.
func (g *genTree) patch(k *genKust, views []view) ([]view, *genWorkload) {
	vi := g.rnd.IntN(len(views))
	v := views[vi]
	w := v.w
	if w.kind == "ConfigMap" {
		return views, nil
	}
	p := &genPatch{id: g.id(), field: "patches"}
	name := v.names[g.rnd.IntN(len(v.names))]
	if g.chance(0.7) {
		name = v.names[len(v.names)-1]
	}
	pp := podPath(w.kind)
	var deleted *genWorkload
	switch g.rnd.IntN(4) {
	case 0, 1: // strategic merge
		md := "metadata:\n  name: " + name + "\n"
		if v.ns != "" && g.chance(0.7) {
			md += "  namespace: " + v.ns + "\n"
		}
		var body string
		if g.chance(0.12) {
			body = "$patch: delete\n"
			deleted = w
		} else {
			var pod []string
			if g.chance(0.6) {
				pod = append(pod, "containers:", "- name: c0", "  image: "+g.pick(imagePool...))
			}
			if g.chance(0.5) || len(pod) == 0 {
				pod = append(pod, "imagePullSecrets:", "- name: "+g.pick("smp-secret", secretName))
			}
			if g.chance(0.2) {
				pod = append(pod, "initContainers:", "- name: patched-init", "  image: "+g.pick(imagePool...))
			}
			body = nest(pp, pod)
		}
		p.text = "apiVersion: " + apiVersion(w.kind) + "\nkind: " + w.kind + "\n" + md + body
		switch r := g.rnd.IntN(3); {
		case r == 0 && deleted == nil:
			p.target = g.selector(w, name, v)
		case r == 1:
			p.field = "patchesStrategicMerge"
		}
	default: // JSON 6902
		ptr := "/" + strings.Join(pp, "/")
		var ops []string
		if g.chance(0.6) {
			ops = append(ops, fmt.Sprintf("- op: replace\n  path: %s/containers/0/image\n  value: %s", ptr, g.pick(imagePool...)))
		}
		if g.chance(0.5) || len(ops) == 0 {
			ops = append(ops, fmt.Sprintf("- op: add\n  path: %s/imagePullSecrets\n  value:\n  - name: %s", ptr, g.pick("json-secret", secretName)))
		}
		// A patch that creates the volumes list, and later patches (of outer layers, or of
		// components that run after this one) that need it: kustomize fails on a tree whose
		// layers the model would run out of order.
		volumes := false
		switch {
		case !v.volumes && g.chance(0.3):
			ops = append(ops, fmt.Sprintf("- op: add\n  path: %s/volumes\n  value:\n  - {name: v%d, emptyDir: {}}", ptr, p.id))
			views[vi].volumes, volumes = true, true
		case v.volumes && g.chance(0.6):
			ops = append(ops, fmt.Sprintf("- op: add\n  path: %s/volumes/-\n  value: {name: v%d, emptyDir: {}}", ptr, p.id))
			volumes = true
		}
		p.text = strings.Join(ops, "\n") + "\n"
		p.target = g.selector(w, name, v)
		// patchesJson6902 runs after the layer's patches: a volumes op stays in order there.
		if !volumes && g.chance(0.25) {
			p.field = "patchesJson6902"
		}
	}
	if p.field == "patchesStrategicMerge" || g.chance(0.4) {
		p.file = fmt.Sprintf("patch%d.yaml", p.id)
	}
	if p.field == "patchesJson6902" {
		// The legacy field selects by exact kind and name only.
		p.target = fmt.Sprintf("{group: %q, version: v1, kind: %s, name: %s}", strings.TrimSuffix(strings.TrimSuffix(apiVersion(w.kind), "v1"), "/"), w.kind, name)
		p.file = fmt.Sprintf("patch%d.yaml", p.id)
	}
	k.patches = append(k.patches, p)
	return views, deleted
}

// selector is a patch target that selects w (and maybe others of its kind).
func (g *genTree) selector(w *genWorkload, name string, v view) string {
	if v.tier != "" && g.chance(0.5) {
		return fmt.Sprintf("{kind: %s, labelSelector: \"tier=%s\"}", w.kind, v.tier)
	}
	if v.note != "" && g.chance(0.5) {
		return fmt.Sprintf("{kind: %s, annotationSelector: \"tier=%s\"}", w.kind, v.note)
	}
	switch g.rnd.IntN(4) {
	case 0:
		return fmt.Sprintf("{kind: %s, name: %s}", w.kind, name)
	case 1:
		return fmt.Sprintf("{kind: %s, name: \"%s.*\"}", w.kind, name[:len(name)-1])
	case 2:
		if v.ns != "" {
			return fmt.Sprintf("{kind: %s, namespace: %q, name: %s}", w.kind, v.ns, name)
		}
		return fmt.Sprintf("{group: %q, kind: %s, name: %s}", strings.TrimSuffix(strings.TrimSuffix(apiVersion(w.kind), "v1"), "/"), w.kind, name)
	}
	return fmt.Sprintf("{kind: %s, labelSelector: \"app=%s\"}", w.kind, w.name)
}

// nest puts lines under the keys of path.
func nest(path []string, lines []string) string {
	var b strings.Builder
	for i, k := range path {
		b.WriteString(strings.Repeat("  ", i) + k + ":\n")
	}
	for _, l := range lines {
		b.WriteString(strings.Repeat("  ", len(path)) + l + "\n")
	}
	return b.String()
}

// file adds a manifest file (sometimes a List) with a few resources to dir.
func (g *genTree) file(dir string) ([]view, string) {
	f := &genFile{path: fmt.Sprintf("%s/r%d.yaml", dir, g.id()), list: g.chance(0.2)}
	ns := ""
	if g.chance(0.4) {
		// ${CLUSTER} is a namespace Flux's postBuild would fill in: nothing substitutes it
		// here, so acrgen must refuse a workload that pulls there and go on past the others.
		ns = g.pick("own-a", "own-b", "own-a", "own-b", "${CLUSTER}")
	}
	var views []view
	for i := 0; i < 1+g.rnd.IntN(3); i++ {
		w := g.workload(ns)
		f.docs = append(f.docs, w)
		views = append(views, view{w: w, names: []string{w.name}, ns: w.namespace})
	}
	g.files = append(g.files, f)
	return views, filepath.Base(f.path)
}

func rel(from, to string) string {
	r, err := filepath.Rel(from, to)
	if err != nil {
		panic(err)
	}
	return r
}

// on reports whether part id is switched on.
type parts map[int]bool

func (off parts) on(id int) bool { return !off[id] }

// ids lists every removable part of the tree, for minimization.
func (g *genTree) ids() []int {
	var out []int
	for _, k := range g.kusts {
		out = append(out, k.nsID, k.prefixID, k.suffixID, k.tierID)
		out = append(out, k.resIDs...)
		out = append(out, k.compIDs...)
		for _, im := range k.images {
			out = append(out, im.id)
		}
		for _, p := range k.patches {
			out = append(out, p.id)
		}
	}
	for _, f := range g.files {
		for _, w := range f.docs {
			out = append(out, w.id, w.nsID, w.secretsID)
			for _, c := range append(append([]genContainer(nil), w.containers[min(1, len(w.containers)):]...), w.inits...) {
				out = append(out, c.id)
			}
		}
	}
	sort.Ints(out)
	return out
}

// files renders the tree with the parts in off switched off.
func (g *genTree) render(off parts) map[string]string {
	out := map[string]string{}
	for _, f := range g.files {
		var docs []string
		for _, w := range f.docs {
			if off.on(w.id) {
				docs = append(docs, w.yaml(off))
			}
		}
		if len(docs) == 0 {
			out[f.path] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: empty" + strings.ReplaceAll(strings.TrimSuffix(filepath.Base(f.path), ".yaml"), "r", "") + "\n"
			continue
		}
		if f.list {
			var b strings.Builder
			b.WriteString("apiVersion: v1\nkind: List\nitems:\n")
			for _, d := range docs {
				b.WriteString(indentItem(d))
			}
			out[f.path] = b.String()
			continue
		}
		out[f.path] = strings.Join(docs, "---\n")
	}
	for _, k := range g.kusts {
		var b strings.Builder
		if k.component {
			b.WriteString("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n")
		}
		if k.namespace != "" && off.on(k.nsID) {
			b.WriteString("namespace: " + k.namespace + "\n")
		}
		if k.prefix != "" && off.on(k.prefixID) {
			b.WriteString("namePrefix: " + k.prefix + "\n")
		}
		if k.suffix != "" && off.on(k.suffixID) {
			b.WriteString("nameSuffix: " + k.suffix + "\n")
		}
		list := func(field string, entries []string, ids []int) {
			var on []string
			for i, e := range entries {
				if off.on(ids[i]) {
					on = append(on, "- "+e)
				}
			}
			if len(on) > 0 {
				b.WriteString(field + ":\n" + strings.Join(on, "\n") + "\n")
			}
		}
		list("resources", k.resources, k.resIDs)
		list("components", k.components, k.compIDs)
		var ims []string
		for _, im := range k.images {
			if !off.on(im.id) {
				continue
			}
			s := "- name: " + im.name
			if im.newName != "" {
				s += "\n  newName: " + im.newName
			}
			if im.newTag != "" {
				s += "\n  newTag: " + im.newTag
			}
			if im.digest != "" {
				s += "\n  digest: " + im.digest
			}
			ims = append(ims, s)
		}
		if len(ims) > 0 {
			b.WriteString("images:\n" + strings.Join(ims, "\n") + "\n")
		}
		byField := map[string][]string{}
		for _, p := range k.patches {
			if !off.on(p.id) {
				continue
			}
			var s string
			switch {
			case p.field == "patchesStrategicMerge":
				s = "- " + p.file
			case p.file != "":
				s = "- path: " + p.file
			default:
				s = "- patch: |-\n" + indent(strings.TrimSuffix(p.text, "\n"), "    ")
			}
			if p.target != "" {
				s += "\n  target: " + p.target
			}
			if p.file != "" {
				out[k.dir+"/"+p.file] = p.text
			}
			byField[p.field] = append(byField[p.field], s)
		}
		for _, f := range []string{"patches", "patchesStrategicMerge", "patchesJson6902"} {
			if len(byField[f]) > 0 {
				b.WriteString(f + ":\n" + strings.Join(byField[f], "\n") + "\n")
			}
		}
		extra := k.extra
		if k.tier != "" && off.on(k.tierID) {
			if k.annotate {
				b.WriteString("commonAnnotations:\n  tier: " + k.tier + "\n")
			} else {
				// One labels: list: a second labels: key would be a duplicate key, which
				// acrgen refuses in a kustomization.
				b.WriteString("labels:\n- pairs: {tier: " + k.tier + "}\n")
				extra = strings.Replace(extra, "labels:\n", "", 1)
			}
		}
		b.WriteString(extra)
		out[k.dir+"/kustomization.yaml"] = b.String()
	}
	return out
}

func indent(s, by string) string {
	return by + strings.ReplaceAll(s, "\n", "\n"+by)
}

func indentItem(doc string) string {
	lines := strings.Split(strings.TrimSuffix(doc, "\n"), "\n")
	for i, l := range lines {
		if i == 0 {
			lines[i] = "- " + l
		} else {
			lines[i] = "  " + l
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

func (w *genWorkload) yaml(off parts) string {
	md := "metadata:\n  name: " + w.name + "\n  labels:\n    app: " + w.name + "\n"
	if w.namespace != "" && off.on(w.nsID) {
		md += "  namespace: " + w.namespace + "\n"
	}
	head := "apiVersion: " + apiVersion(w.kind) + "\nkind: " + w.kind + "\n" + md
	if w.kind == "ConfigMap" {
		return head + "data:\n  image: " + registry + "/from-configmap:v1\n"
	}
	var pod []string
	containers := func(field string, cs []genContainer, keepFirst bool) {
		var items []string
		for i, c := range cs {
			if off.on(c.id) || (keepFirst && i == 0) {
				items = append(items, "- name: "+c.name, "  image: "+c.image)
			}
		}
		if len(items) > 0 {
			pod = append(append(pod, field+":"), items...)
		}
	}
	containers("containers", w.containers, true)
	containers("initContainers", w.inits, false)
	if len(w.secrets) > 0 && off.on(w.secretsID) {
		pod = append(pod, "imagePullSecrets:")
		for _, s := range w.secrets {
			pod = append(pod, "- name: "+s)
		}
	}
	switch w.kind {
	case "Pod":
		return head + nest([]string{"spec"}, pod)
	case "CronJob":
		return head + "spec:\n  schedule: \"@daily\"\n" + strings.TrimPrefix(nest(podPath(w.kind), pod), "spec:\n")
	case "Job":
		return head + nest(podPath(w.kind), pod)
	}
	sel := "spec:\n  selector:\n    matchLabels:\n      app: " + w.name + "\n  template:\n    metadata:\n      labels:\n        app: " + w.name + "\n"
	return head + sel + strings.TrimPrefix(strings.TrimPrefix(nest(podPath(w.kind), pod), "spec:\n"), "  template:\n")
}

// write puts the tree with the parts in off switched off under dir, and returns the root.
func (g *genTree) write(dir string, off parts) (string, error) {
	for p, content := range g.render(off) {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	return filepath.Join(dir, "root"), nil
}

// describe is the tree with the parts in off switched off, as text: the files the root
// reaches.
func (g *genTree) describe(off parts) string {
	files := g.render(off)
	reached := map[string]bool{}
	var visit func(dir string)
	visit = func(dir string) {
		if reached[dir] {
			return
		}
		reached[dir] = true
		for _, k := range g.kusts {
			if k.dir != dir {
				continue
			}
			for i, e := range append(append([]string(nil), k.resources...), k.components...) {
				if id := append(append([]int(nil), k.resIDs...), k.compIDs...)[i]; off.on(id) && !strings.HasSuffix(e, ".yaml") {
					visit(filepath.Join(dir, e))
				}
			}
		}
	}
	visit("root")
	paths := make([]string, 0, len(files))
	for p := range files {
		if reached[filepath.Dir(p)] {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "--- %s\n%s", p, files[p])
	}
	return b.String()
}
