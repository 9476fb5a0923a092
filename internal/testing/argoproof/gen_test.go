package argoproof

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// The generator makes a repository for each seed: a base, an overlay over it, two components,
// and one Application whose spec.source.kustomize uses a random choice of every field Argo CD's
// kustomize runner writes (namePrefix, nameSuffix, images in each `kustomize edit set image`
// form, namespace, commonLabels with and without force, commonAnnotations with ${ARGOCD_APP_*}
// variables, JSON 6902 and strategic-merge patches with targets, components present and
// missing, replicas), a destination namespace, and sometimes an .argocd-source-APP.yaml file.

const (
	registry = "myregistry.azurecr.io"
	digest   = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

type gen struct {
	rnd   *rand.Rand
	files map[string]string
	names []string // workload names of the base, with their kinds
	kinds []string
}

func (g *gen) chance(p float64) bool    { return g.rnd.Float64() < p }
func (g *gen) pick(xs ...string) string { return xs[g.rnd.IntN(len(xs))] }

var imagePool = []string{"app", "app:1.0", "web", "nginx:1.25", "busybox", registry + "/api:v1", "docker.io/library/redis:7", registry + "/team/worker@" + digest}

// generate returns the files of the repository of seed.
func generate(seed uint64) map[string]string {
	g := &gen{rnd: rand.New(rand.NewPCG(seed, seed^0x51ed270b27c3a5f1)), files: map[string]string{}}
	var res []string
	for i := 0; i < 1+g.rnd.IntN(3); i++ {
		f := fmt.Sprintf("w%d.yaml", i)
		g.files["base/"+f] = g.workload(i)
		res = append(res, f)
	}
	base := "resources:\n- " + strings.Join(res, "\n- ") + "\n"
	if g.chance(0.3) {
		base += "images:\n- name: app\n  newTag: \"2.0\"\n"
	}
	g.files["base/kustomization.yaml"] = base
	overlay := "resources:\n- ../base\n"
	if g.chance(0.3) {
		overlay += "namePrefix: ov-\n"
	}
	if g.chance(0.3) {
		overlay += "namespace: " + g.pick("ov-a", "ov-b") + "\n"
	}
	if g.chance(0.3) {
		overlay += "commonLabels:\n  team: overlay\n"
	}
	if g.chance(0.3) {
		overlay += "images:\n- name: web\n  newName: " + registry + "/web\n"
	}
	if g.chance(0.2) {
		overlay += "components:\n- ../components/c2\n"
	}
	g.files["overlay/kustomization.yaml"] = overlay
	g.files["components/c1/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n- job.yaml\n"
	g.files["components/c1/job.yaml"] = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: m\n        image: " + g.pick(imagePool...) + "\n"
	g.files["components/c2/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n- name: busybox\n  newName: " + registry + "/tools/busybox\n"
	path := g.pick("overlay", "overlay", "base")
	app := "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: app" + fmt.Sprint(seed) + "\n  namespace: argocd\nspec:\n  project: " + g.pick("default", "team") + "\n  source:\n    repoURL: " + repoURL + "\n    targetRevision: HEAD\n    path: " + path + "\n"
	if k := g.kustomize(path); k != "" {
		app += "    kustomize:\n" + indent(k, "      ")
	}
	if g.chance(0.7) {
		app += "  destination:\n    server: https://kubernetes.default.svc\n    namespace: " + g.pick("dest-a", "dest-b") + "\n"
	}
	g.files["argocd/app.yaml"] = app
	if g.chance(0.2) {
		g.files[path+"/.argocd-source-app"+fmt.Sprint(seed)+".yaml"] = "kustomize:\n  images:\n  - " + g.imageArg() + "\n"
	}
	return g.files
}

func (g *gen) workload(i int) string {
	kind := g.pick("Deployment", "StatefulSet", "Job", "CronJob", "Pod")
	name := fmt.Sprintf("%s%d", strings.ToLower(kind[:3]), i)
	g.names, g.kinds = append(g.names, name), append(g.kinds, kind)
	md := "metadata:\n  name: " + name + "\n  labels:\n    app: " + name + "\n"
	if g.chance(0.3) {
		md += "  namespace: own\n"
	}
	pod := "containers:\n"
	for c := 0; c < 1+g.rnd.IntN(2); c++ {
		pod += fmt.Sprintf("- name: c%d\n  image: %s\n", c, g.pick(imagePool...))
	}
	if g.chance(0.3) {
		pod += "initContainers:\n- name: init\n  image: " + g.pick(imagePool...) + "\n"
	}
	if g.chance(0.2) {
		pod += "imagePullSecrets:\n- name: other\n"
	}
	if kind == "Job" || kind == "CronJob" {
		pod += "restartPolicy: Never\n"
	}
	switch kind {
	case "Pod":
		return "apiVersion: v1\nkind: Pod\n" + md + "spec:\n" + indent(pod, "  ")
	case "Job":
		return "apiVersion: batch/v1\nkind: Job\n" + md + "spec:\n  template:\n    spec:\n" + indent(pod, "      ")
	case "CronJob":
		return "apiVersion: batch/v1\nkind: CronJob\n" + md + "spec:\n  schedule: \"@daily\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n" + indent(pod, "          ")
	}
	return "apiVersion: apps/v1\nkind: " + kind + "\n" + md + "spec:\n  selector:\n    matchLabels:\n      app: " + name + "\n  template:\n    metadata:\n      labels:\n        app: " + name + "\n    spec:\n" + indent(pod, "      ")
}

// imageArg is a `kustomize edit set image` argument in one of its forms.
func (g *gen) imageArg() string {
	name := g.pick("app", "web", "nginx", "busybox", registry+"/api", "docker.io/library/redis")
	switch g.rnd.IntN(6) {
	case 0:
		return name + "=" + registry + "/" + g.pick("app", "mapped", "team/web") + ":" + g.pick("v2", "latest")
	case 1:
		return name + ":" + g.pick("v3", "1.27")
	case 2:
		return name + "@" + digest
	case 3:
		return name + "=" + registry + "/moved"
	case 4:
		return name + "=" + registry + "/both:v4@" + digest
	}
	return name + "=${ARGOCD_APP_PROJECT_NAME}.azurecr.io/by-project:v5"
}

// kustomize is a random spec.source.kustomize for an Application of path, or "".
func (g *gen) kustomize(path string) string {
	if g.chance(0.1) {
		return ""
	}
	var b strings.Builder
	if g.chance(0.3) {
		b.WriteString("namePrefix: " + g.pick("app-", "p-") + "\n")
	}
	if g.chance(0.2) {
		b.WriteString("nameSuffix: -" + g.pick("s", "v2") + "\n")
	}
	if g.chance(0.6) {
		b.WriteString("images:\n")
		for i := 0; i < 1+g.rnd.IntN(3); i++ {
			b.WriteString("- " + g.imageArg() + "\n")
		}
	}
	if g.chance(0.3) {
		b.WriteString("namespace: " + g.pick("app-ns", "other-ns") + "\n")
	}
	if g.chance(0.25) {
		b.WriteString("commonLabels:\n  " + g.pick("team", "tier") + ": app\n")
		if g.chance(0.5) {
			b.WriteString("forceCommonLabels: true\n")
		}
	}
	if g.chance(0.2) {
		b.WriteString("commonAnnotations:\n  owner: ${ARGOCD_APP_NAME}\ncommonAnnotationsEnvsubst: " + g.pick("true", "false") + "\n")
	}
	if g.chance(0.4) {
		b.WriteString("patches:\n")
		for i := 0; i < 1+g.rnd.IntN(2); i++ {
			b.WriteString(g.patch())
		}
	}
	if g.chance(0.3) {
		comps := []string{"../components/c1", "../components/c2", "../components/missing"}
		g.rnd.Shuffle(len(comps), func(i, j int) { comps[i], comps[j] = comps[j], comps[i] })
		b.WriteString("components:\n- " + strings.Join(comps[:1+g.rnd.IntN(2)], "\n- ") + "\n")
		if g.chance(0.5) {
			b.WriteString("ignoreMissingComponents: true\n")
		}
	}
	if i := g.rnd.IntN(len(g.names)); g.chance(0.15) && (g.kinds[i] == "Deployment" || g.kinds[i] == "StatefulSet") {
		// kustomize fails on replicas: for a kind without spec.replicas, which acrgen does not
		// model (replicas do not change what pulls from where): only the kinds Argo CD documents.
		b.WriteString(fmt.Sprintf("replicas:\n- name: %s\n  count: %d\n", g.names[i], 1+g.rnd.IntN(4)))
	}
	return b.String()
}

// patch is a patches: entry on a workload of the base.
func (g *gen) patch() string {
	i := g.rnd.IntN(len(g.names))
	kind, name := g.kinds[i], g.names[i]
	ptr := "/spec/template/spec"
	switch kind {
	case "Pod":
		ptr = "/spec"
	case "CronJob":
		ptr = "/spec/jobTemplate/spec/template/spec"
	}
	target := "  target:\n    kind: " + kind + "\n"
	if g.chance(0.5) {
		target += "    name: " + g.pick(name, name[:2]+".*") + "\n"
	}
	if g.chance(0.5) {
		op := "- op: add\n  path: " + ptr + "/imagePullSecrets\n  value:\n  - name: " + g.pick("patched", "acr-pull") + "\n"
		if g.chance(0.5) {
			op = "- op: replace\n  path: " + ptr + "/containers/0/image\n  value: " + g.pick(imagePool...) + "\n"
		}
		return "- patch: |-\n" + indent(strings.TrimSuffix(op, "\n"), "    ") + "\n" + target
	}
	var path []string // the keys from the object to its pod spec
	for _, k := range strings.Split(strings.Trim(ptr, "/"), "/") {
		path = append(path, k)
	}
	smp := "apiVersion: " + map[string]string{"Deployment": "apps/v1", "StatefulSet": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1", "Pod": "v1"}[kind] + "\nkind: " + kind + "\nmetadata:\n  name: " + name + "\n"
	for d, k := range path {
		smp += strings.Repeat("  ", d) + k + ":\n"
	}
	smp += indent("containers:\n- name: sidecar\n  image: "+registry+"/sidecar:1\n", strings.Repeat("  ", len(path)))
	return "- patch: |-\n" + indent(strings.TrimSuffix(smp, "\n"), "    ") + target
}

func indent(s, by string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = by + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// describe is the repository as text, for a failure message.
func describe(files map[string]string) string {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "--- %s\n%s", p, files[p])
	}
	return b.String()
}
