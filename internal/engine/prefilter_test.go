package engine_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/secret"
)

// The prefilter parses in full only the documents that may matter to a run: it derives what
// they must mention from the run's settings (registries, Secret name) and from the workload
// kinds (a ServiceAccount matters whatever it names). A kind or a setting that makes a
// document matter without a trigger for it would change the run's verdict. So each random
// tree below is written twice: once as it is, and once with a comment naming the registry
// in every document, which makes the prefilter parse every document in full. The two runs
// must agree on everything: changes, actions, problems, warnings, notes and errors.
func TestPrefilterChangesNoVerdict(t *testing.T) {
	rollout, err := manifest.ParseWorkloadKind("Rollout.argoproj.io=spec.template.spec")
	if err != nil {
		t.Fatal(err)
	}
	kinds := manifest.NewKinds(rollout)
	skipped, decided := 0, 0
	for seed := uint64(1); seed <= 500; seed++ {
		g := newFilterTree(seed, kinds.With(manifest.ServiceAccountKind))
		files, opts := g.generate()
		var results [2]string
		for i, mark := range []string{"# -", "# mentions " + registry} {
			dir := t.TempDir()
			testtool.WriteTree(t, dir, g.marked(files, mark))
			o := opts
			o.Dir, o.Kinds = dir, kinds
			o.Display = func(p string) string {
				if rel, err := filepath.Rel(dir, p); err == nil {
					return rel
				}
				return p
			}
			res, err := engine.Plan(o)
			results[i] = describeRun(res, err, dir, mark)
			if i == 0 {
				skipped += skippedDocs(t, dir, o)
				if res != nil && res.Count(finding.Action)+res.Count(finding.Problem) > 0 {
					decided++
				}
			}
		}
		if results[0] != results[1] {
			t.Errorf("seed %d: the prefilter changes the run (%+v):\n%s\nwith every document parsed:\n%s\nthe tree:\n%s", seed, opts, results[0], results[1], g.show(files))
		}
	}
	t.Logf("%d documents skipped by the prefilter, %d runs with actions or problems", skipped, decided)
	// The trees must exercise the prefilter: documents it skips, and runs with something to do.
	if skipped < 300 || decided < 100 {
		t.Fatalf("the trees show little: %d documents skipped, %d runs with actions or problems", skipped, decided)
	}
}

// describeRun is what a run found, with the marker comments and the directory left out.
func describeRun(res *engine.Result, err error, dir, mark string) string {
	if err != nil {
		return "error: " + strings.ReplaceAll(err.Error(), mark, "#")
	}
	var b strings.Builder
	for _, c := range res.Changes {
		rel, _ := filepath.Rel(dir, c.Path)
		fmt.Fprintf(&b, "change %s (created %v, mode %v):\n%s\n", rel, c.Created, c.Mode, c.New)
	}
	for _, f := range res.Findings {
		rel, _ := filepath.Rel(dir, f.File)
		fmt.Fprintf(&b, "%s %s %s:%d %s\n", f.Code, f.Severity, rel, f.Line, f.Message())
	}
	for _, p := range res.Pulls {
		doc := string(p.Doc) // as text, so that the marker comments are left out below
		p.Doc = nil
		fmt.Fprintf(&b, "pull %+v of:\n%s\n", p, doc)
	}
	cp := *res
	cp.Changes, cp.Roots, cp.Findings, cp.Pulls = nil, nil, nil, nil
	v := reflect.ValueOf(cp)
	for i := 0; i < v.NumField(); i++ {
		fmt.Fprintf(&b, "%s: %+v\n", v.Type().Field(i).Name, v.Field(i).Interface())
	}
	// The directory differs between the two runs (RecordedSecret.Path holds it).
	return strings.ReplaceAll(strings.ReplaceAll(b.String(), mark, "#"), dir, "DIR")
}

// skippedDocs counts the documents a load of dir with the run's interest leaves unparsed.
func skippedDocs(t *testing.T, dir string, o engine.Options) int {
	tr, err := tree.Load(dir, tree.Options{Kinds: o.Kinds.With(manifest.ServiceAccountKind), Interest: tree.Interest{Registries: o.Registries, Names: []string{o.SecretName}}})
	if err != nil {
		return 0
	}
	n := 0
	for _, f := range tr.Files {
		n += len(f.Manifest.Skipped)
	}
	return n
}

// filterTree generates a directory of documents of every workload kind, in the spellings
// YAML allows, with the settings of a run.
type filterTree struct {
	rnd    *rand.Rand
	kinds  []manifest.WorkloadKind
	depths []int // the lengths of the kinds' pod spec paths, each once
}

func newFilterTree(seed uint64, kinds *manifest.Kinds) *filterTree {
	g := &filterTree{rnd: rand.New(rand.NewPCG(seed, seed*31)), kinds: kinds.List()}
	for _, wk := range g.kinds {
		if !slices.Contains(g.depths, len(wk.Path)) {
			g.depths = append(g.depths, len(wk.Path))
		}
	}
	return g
}

func (g *filterTree) pick(xs ...string) string { return xs[g.rnd.IntN(len(xs))] }

func (g *filterTree) chance(p float64) bool { return g.rnd.Float64() < p }

// generate returns the tree's files, each a list of documents (each a list of lines, the
// marker to go at the end of the first), and the run's settings.
func (g *filterTree) generate() (map[string][][]string, engine.Options) {
	files := map[string][][]string{}
	var names []string
	for i := 0; i < 2+g.rnd.IntN(4); i++ {
		name := fmt.Sprintf("f%d.%s", i, g.pick("yaml", "yaml", "json"))
		for j := 0; j < 1+g.rnd.IntN(4); j++ {
			files[name] = append(files[name], g.doc(strings.HasSuffix(name, ".json")))
			if strings.HasSuffix(name, ".json") {
				break // one object a JSON file
			}
		}
		names = append(names, name)
	}
	if g.chance(0.3) {
		// A Secret of the name, in a file of its own (acrgen re-encrypts whole files).
		meta := object{{"name", g.pick(secretName, "other")}}
		if g.chance(0.5) {
			meta = append(meta, entry{"namespace", "team-a"})
		}
		o := object{{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", meta}, {"type", "kubernetes.io/dockerconfigjson"}, {"data", object{{".dockerconfigjson", "e30="}}}}
		files["secret.yaml"] = [][]string{g.spell(o, false)}
		names = append(names, "secret.yaml")
	}
	if g.chance(0.7) {
		k := "resources:\n"
		for _, n := range names {
			k += "- " + n + "\n"
		}
		if g.chance(0.3) {
			k += "namespace: " + g.pick("team-k", "team-a", "${CLUSTER}") + "\n"
		}
		if g.chance(0.3) {
			k += "images:\n- name: nginx\n  newName: " + registry + "/nginx\n"
		}
		if g.chance(0.3) {
			// A patch that names the Secret, not the registry: it gives a ServiceAccount whose
			// file names neither the secret it lists in the build.
			k += "patches:\n- patch: |-\n    apiVersion: v1\n    kind: ServiceAccount\n    metadata:\n      name: " + g.pick("app", "default") + "\n    imagePullSecrets:\n    - name: " + secretName + "\n"
		}
		files["kustomization.yaml"] = [][]string{strings.Split(strings.TrimSuffix(k, "\n"), "\n")}
	}
	opts := engine.Options{
		Mode: engine.Mode(g.rnd.IntN(2) + 1), Registries: []string{registry}, SecretName: secretName,
		ServiceAccount: g.chance(0.4), Recipients: secret.Recipients{Age: []string{"age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"}},
	}
	if g.chance(0.15) {
		opts.Namespaces = []string{"team-a"}
	}
	return files, opts
}

// node is a YAML value: a string, an object, or a list of objects.
type node = any

// entry is one field of an object.
type entry struct {
	k string
	v node
}

type object []entry

// doc returns a random object, in a random spelling.
func (g *filterTree) doc(json bool) []string {
	images := []string{registry + "/app:1", registry + "/api@" + digest, "MyRegistry.AzureCR.io/app:2", "nginx:1.25", "docker.io/library/busybox", "other.azurecr.io/x:1"}
	meta := object{{"name", g.pick("app", "web", "default", secretName, "other")}}
	if g.chance(0.5) {
		meta = append(meta, entry{"namespace", g.pick("team-a", "team-a", "team-b", "team-a", "team-b", "${CLUSTER}")})
	}
	secrets := func() object {
		return object{{"imagePullSecrets", []object{{{"name", g.pick(secretName, "other")}}}}}
	}
	var o object
	switch r := g.rnd.IntN(10); {
	case r < 8:
		// An object of a kind of the table, with a pod spec where the kind keeps it (at the
		// root for a ServiceAccount). Depths are drawn first, so that every shape is common.
		depth := g.depths[g.rnd.IntN(len(g.depths))]
		var of []manifest.WorkloadKind
		for _, wk := range g.kinds {
			if len(wk.Path) == depth {
				of = append(of, wk)
			}
		}
		wk := of[g.rnd.IntN(len(of))]
		apiVersion := "v1"
		if wk.Group != "" {
			apiVersion = wk.Group + "/v1"
		}
		meta[0].v = g.pick("app", "default", "web", secretName)
		o = object{{"apiVersion", apiVersion}, {"kind", wk.Kind}, {"metadata", meta}}
		var spec object
		if g.chance(0.7) {
			spec = append(spec, entry{"containers", []object{{{"name", "c"}, {"image", images[g.rnd.IntN(len(images))]}}}})
		}
		if g.chance(0.5) {
			spec = append(spec, entry{g.pick("serviceAccountName", "serviceAccount"), g.pick("app", "default")})
		}
		if g.chance(0.4) {
			spec = append(spec, secrets()...)
		}
		if len(wk.Path) == 0 {
			o = append(o, spec...)
			break
		}
		var v node = spec
		for i := len(wk.Path) - 1; i > 0; i-- {
			v = object{{wk.Path[i], v}}
		}
		o = append(o, entry{wk.Path[0], v})
	case r < 9:
		o = object{{"apiVersion", "example.com/v1"}, {"kind", "Thing"}, {"metadata", meta}, {"spec", object{{"image", images[g.rnd.IntN(len(images))]}}}}
	default:
		o = object{{"apiVersion", "rbac.authorization.k8s.io/v1"}, {"kind", "RoleBinding"}, {"metadata", meta},
			{"subjects", []object{{{"kind", "ServiceAccount"}, {"name", "app"}}}}, {"roleRef", object{{"kind", "Role"}, {"name", "r"}, {"apiGroup", "rbac.authorization.k8s.io"}}}}
	}
	return g.spell(o, json)
}

// spell writes o as YAML lines in a random spelling: block style, with its kind written in
// one of the ways YAML allows, or flow style on one line; json writes it as JSON.
func (g *filterTree) spell(o object, json bool) []string {
	switch {
	case json:
		return []string{flow(o, true)}
	case g.chance(0.2):
		return []string{flow(o, false)}
	}
	var lines []string
	block(&lines, o, "", g.pick("%s", "%q", "'%s'", "  %s", "!!str %s"))
	return lines
}

// block writes o in block style; kind is the spelling of the value of kind:.
func block(lines *[]string, o object, indent, kind string) {
	for _, e := range o {
		switch v := e.v.(type) {
		case string:
			if e.k == "kind" {
				v = fmt.Sprintf(kind, v)
			} else if strings.HasPrefix(v, "!") || strings.HasPrefix(v, "{") {
				v = strconv.Quote(v)
			}
			*lines = append(*lines, indent+e.k+": "+v)
		case object:
			*lines = append(*lines, indent+e.k+":")
			block(lines, v, indent+"  ", kind)
		case []object:
			*lines = append(*lines, indent+e.k+":")
			for _, it := range v {
				start := len(*lines)
				block(lines, it, indent+"  ", kind)
				(*lines)[start] = indent + "- " + strings.TrimPrefix((*lines)[start], indent+"  ")
			}
		}
	}
}

// flow writes o on one line in flow style, its keys quoted as JSON's are when json is true.
func flow(v node, json bool) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case object:
		parts := make([]string, len(v))
		for i, e := range v {
			k := e.k
			if json {
				k = strconv.Quote(k)
			}
			parts[i] = k + ": " + flow(e.v, json)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []object:
		parts := make([]string, len(v))
		for i, it := range v {
			parts[i] = flow(it, json)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	panic(fmt.Sprintf("no YAML for %T", v))
}

// marked renders the files with mark as a comment at the end of every document's first line
// (the kustomization's too: it never names the registry).
func (g *filterTree) marked(files map[string][][]string, mark string) map[string]string {
	out := map[string]string{}
	for name, docs := range files {
		var parts []string
		for _, d := range docs {
			lines := append([]string(nil), d...)
			if name != "kustomization.yaml" {
				lines[0] += " " + mark
			}
			parts = append(parts, strings.Join(lines, "\n")+"\n")
		}
		out[name] = strings.Join(parts, "---\n")
	}
	return out
}

// show prints the tree as written without markers, for a failure.
func (g *filterTree) show(files map[string][][]string) string {
	var b strings.Builder
	for name, content := range g.marked(files, "") {
		fmt.Fprintf(&b, "== %s\n%s", name, content)
	}
	return b.String()
}
