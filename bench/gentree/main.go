// Command gentree writes a synthetic, deterministic kustomize tree for acrgen's benchmark.
//
//	gentree -out DIR -workloads N -files F [-namespaces 50] [-hit 0.667] [-hitfiles 1] [-comments=true] [-seed 1]
//
// The tree has a root kustomization.yaml listing one directory per namespace; each namespace
// directory has a kustomization.yaml (comments, `namespace:`, `resources:`) and its share of the F
// workload files. Every file starts with a licence header, holds N/F workload documents
// (Deployments, StatefulSets, Jobs, CronJobs and Pods of roughly 30–45 lines with labels, ports,
// env, resources and probes, comments and the odd blank line) and uses either compact or wide
// list indentation.
//
// A fraction -hit of the workloads pull at least one image (main container, sidecar or init
// container) from -registry; the rest pull only public images, a few of them from lookalike hosts
// (myregistry.azurecr.io.evil.com, notmyregistry.azurecr.io) that must not count as hits. The hits
// go into a fraction -hitfiles of the files, spread evenly over the tree: -hitfiles 1 gives every
// file at least one hit (tree A), -hitfiles 0.1 leaves nine files in ten with nothing to patch
// (tree B). No workload carries imagePullSecrets, so after a correct patch the tree holds exactly
// one imagePullSecrets key per hit.
//
// -comments=false leaves out every comment (the licence headers, the comments before and after
// keys, and those in the kustomization files): a tree as tools that drop comments write it.
//
// On success gentree prints one line of key=value statistics (workloads, files, hits, ...) that
// bench/run.sh reads.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

type config struct {
	out        string
	workloads  int
	files      int
	namespaces int
	hit        float64
	hitFiles   float64
	lookalike  float64
	registry   string
	comments   bool
	seed       uint64
}

func main() {
	var c config
	flag.StringVar(&c.out, "out", "", "directory to create (must not exist or be empty)")
	flag.IntVar(&c.workloads, "workloads", 10000, "number of workloads")
	flag.IntVar(&c.files, "files", 1000, "number of workload files")
	flag.IntVar(&c.namespaces, "namespaces", 50, "number of namespace directories")
	flag.Float64Var(&c.hit, "hit", 0.667, "fraction of workloads that pull from the registry")
	flag.Float64Var(&c.hitFiles, "hitfiles", 1, "fraction of files that hold the hits (1: every file has at least one)")
	flag.Float64Var(&c.lookalike, "lookalike", 0.003, "fraction of non-hit workloads with an image from a lookalike host")
	flag.StringVar(&c.registry, "registry", "myregistry.azurecr.io", "registry login server of the hits")
	flag.BoolVar(&c.comments, "comments", true, "write comments (false: none at all)")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed")
	flag.Parse()
	if flag.NArg() != 0 || c.out == "" {
		fmt.Fprintln(os.Stderr, "usage: gentree -out DIR [-workloads N] [-files F] [-namespaces 50] [-hit 0.667] [-hitfiles 1] [-comments=true] [-seed 1]")
		os.Exit(2)
	}
	st, err := generate(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentree:", err)
		os.Exit(1)
	}
	fmt.Printf("workloads=%d files=%d namespaces=%d hits=%d hitfiles=%d lookalikes=%d bytes=%d lines=%d\n",
		c.workloads, c.files, c.namespaces, st.hits, st.hitFiles, st.lookalikes, st.bytes, st.lines)
}

type stats struct {
	hits, hitFiles, lookalikes int
	bytes, lines               int
}

// generate writes the tree described by c.
func generate(c config) (stats, error) {
	var st stats
	switch {
	case c.workloads < 1 || c.files < 1 || c.namespaces < 1:
		return st, fmt.Errorf("-workloads, -files and -namespaces must be positive")
	case c.files < c.namespaces:
		return st, fmt.Errorf("-files (%d) must be at least -namespaces (%d)", c.files, c.namespaces)
	case c.workloads < c.files:
		return st, fmt.Errorf("-workloads (%d) must be at least -files (%d)", c.workloads, c.files)
	case c.hit < 0 || c.hit > 1 || c.hitFiles <= 0 || c.hitFiles > 1 || c.lookalike < 0 || c.lookalike > 1:
		return st, fmt.Errorf("-hit and -lookalike must be in [0,1], -hitfiles in (0,1]")
	}
	if err := mkEmptyDir(c.out); err != nil {
		return st, err
	}
	rng := rand.New(rand.NewPCG(c.seed, 0x61637267656e)) // "acrgen"

	// Which workloads pull from the registry: H hits over K files chosen evenly across the tree,
	// as evenly as possible per file, at random positions inside each file.
	hits := int(math.Round(c.hit * float64(c.workloads)))
	k := 0
	if hits > 0 {
		k = min(max(int(math.Round(c.hitFiles*float64(c.files))), 1), c.files)
	}
	if hits > 0 && hits < k {
		return st, fmt.Errorf("%d hits cannot give each of %d files at least one", hits, k)
	}
	isHit := make([]bool, c.workloads)
	hitFile := 0
	for f := range c.files {
		if (f+1)*k/c.files == f*k/c.files {
			continue
		}
		lo, hi := span(f, c.files, c.workloads)
		n := hits / k
		if hitFile < hits%k {
			n++
		}
		if n > hi-lo {
			return st, fmt.Errorf("%d hits do not fit in %d files of %d workloads: raise -hitfiles", hits, k, hi-lo)
		}
		for _, i := range rng.Perm(hi - lo)[:n] {
			isHit[lo+i] = true
		}
		hitFile++
	}
	st.hits, st.hitFiles = hits, k

	// Namespace directories, each with its contiguous block of files.
	nsNames := make([]string, c.namespaces)
	for i := range nsNames {
		nsNames[i] = fmt.Sprintf("%s-%02d", teams[i%len(teams)], i)
	}
	var root strings.Builder
	root.WriteString("# Root of the acrgen benchmark tree: one directory per namespace.\n")
	root.WriteString("# Generated by bench/gentree; regenerate rather than edit.\n")
	root.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n")
	for _, ns := range nsNames {
		fmt.Fprintf(&root, "  - %s\n", ns)
	}
	if err := st.write(filepath.Join(c.out, "kustomization.yaml"), c.text(root.String())); err != nil {
		return st, err
	}

	for n, ns := range nsNames {
		team := teams[n%len(teams)]
		dir := filepath.Join(c.out, ns)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return st, err
		}
		flo, fhi := span(n, c.namespaces, c.files)
		var kz strings.Builder
		fmt.Fprintf(&kz, "# Namespace %s: services of the %s team.\n", ns, team)
		kz.WriteString("# Owners: see CODEOWNERS. Generated by bench/gentree.\n")
		kz.WriteString("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n\n")
		fmt.Fprintf(&kz, "namespace: %s\n\n", ns)
		kz.WriteString("# One file per service group, several workloads each.\nresources:\n")
		for f := flo; f < fhi; f++ {
			name := fileName(f)
			fmt.Fprintf(&kz, "  - %s\n", name)
			g := fileGen{rng: rng, registry: c.registry, lookalike: c.lookalike, team: team, wide: rng.IntN(10) < 3}
			lo, hi := span(f, c.files, c.workloads)
			text, looks := g.file(f, lo, isHit[lo:hi])
			st.lookalikes += looks
			if err := st.write(filepath.Join(dir, name), c.text(text)); err != nil {
				return st, err
			}
		}
		kz.WriteString("# - legacy.yaml # retired in 2024\n")
		if err := st.write(filepath.Join(dir, "kustomization.yaml"), c.text(kz.String())); err != nil {
			return st, err
		}
	}
	return st, nil
}

// text returns a file's text as c asks for it: unchanged, or without its comments. The
// generated text has no '#' but in comments, so a comment is a line starting with '#' (after
// indentation) or the rest of a line from " #".
func (c config) text(s string) string {
	if c.comments {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	out := lines[:0]
	for _, ln := range lines {
		if strings.HasPrefix(strings.TrimLeft(ln, " "), "#") {
			continue
		}
		if i := strings.Index(ln, " #"); i >= 0 {
			ln = strings.TrimRight(ln[:i], " ") + "\n"
		}
		out = append(out, ln)
	}
	return strings.Join(out, "")
}

// span returns the half-open range of the i-th of n near-equal parts of total.
func span(i, n, total int) (lo, hi int) { return i * total / n, (i + 1) * total / n }

func fileName(f int) string {
	return fmt.Sprintf("%s-%03d.yaml", groups[f%len(groups)], f)
}

func (st *stats) write(path, text string) error {
	st.bytes += len(text)
	st.lines += strings.Count(text, "\n")
	return os.WriteFile(path, []byte(text), 0o644)
}

func mkEmptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(ents) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

var (
	teams = []string{
		"payments", "checkout", "search", "catalog", "identity", "billing", "shipping", "reviews",
		"analytics", "notifications", "inventory", "pricing", "media", "support", "platform",
		"ledger", "fraud", "recommendations", "accounts", "messaging", "reporting", "gateway",
		"scheduler", "storage", "edge",
	}
	groups = []string{"api", "workers", "frontend", "batch", "cache", "stream", "admin", "ingest"}
	apps   = []string{
		"orders", "users", "carts", "invoices", "emails", "images", "events", "tokens", "sessions",
		"quotes", "refunds", "exports", "feeds", "alerts", "audits", "rates", "labels", "tickets",
	}
	public = []string{
		"nginx:1.27.3", "docker.io/library/redis:7.4.1", "docker.io/library/postgres:16.4",
		"ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector:0.111.0",
		"quay.io/prometheus/node-exporter:v1.8.2", "registry.k8s.io/pause:3.10",
		"mcr.microsoft.com/dotnet/aspnet:8.0", "ghcr.io/example/worker:v2.3.1",
		"docker.io/bitnami/kafka:3.8", "quay.io/jetstack/cert-manager-controller:v1.16.1",
	}
	sidecars        = []string{"ghcr.io/example/envoy-sidecar:v1.31.2", "docker.io/fluent/fluent-bit:3.1.9", "quay.io/oauth2-proxy/oauth2-proxy:v7.7.1"}
	inits           = []string{"busybox:1.36", "docker.io/library/alpine:3.20", "ghcr.io/example/migrate:v4.17.1"}
	lookalikeImages = []string{"myregistry.azurecr.io.evil.com/tools/debug:1.0", "notmyregistry.azurecr.io/tools/debug:1.0"}
)

// fileGen writes one workload file.
type fileGen struct {
	rng       *rand.Rand
	registry  string
	lookalike float64
	team      string
	wide      bool // list items indented under their key ("wide") rather than compact
	b         strings.Builder
	looks     int
}

type podImages struct {
	main, sidecar, init string // empty: no such container
}

// file returns the text of file f holding workloads first, first+1, ... (hit says which pull
// from the registry) and how many lookalike images it used.
func (g *fileGen) file(f, first int, hit []bool) (string, int) {
	fmt.Fprintf(&g.b, "# Copyright %d Example Corp.\n#\n", 2019+f%7)
	g.b.WriteString("# Licensed under the Apache License, Version 2.0 (the \"License\");\n")
	g.b.WriteString("# you may not use this file except in compliance with the License.\n")
	g.b.WriteString("# SPDX-License-Identifier: Apache-2.0\n")
	if f%4 == 0 {
		g.b.WriteString("\n")
	}
	for i, h := range hit {
		g.b.WriteString("---\n")
		g.workload(first+i, h)
		if i+1 < len(hit) && g.rng.IntN(4) == 0 {
			g.b.WriteString("\n")
		}
	}
	return g.b.String(), g.looks
}

func (g *fileGen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *fileGen) images(hit bool) podImages {
	var im podImages
	im.main = g.pick(public)
	if g.rng.IntN(4) == 0 {
		im.sidecar = g.pick(sidecars)
	}
	if g.rng.IntN(6) == 0 {
		im.init = g.pick(inits)
	}
	if !hit {
		if g.rng.Float64() < g.lookalike {
			im.sidecar = g.pick(lookalikeImages)
			g.looks++
		}
		return im
	}
	app := g.pick(apps)
	ref := fmt.Sprintf("%s/%s/%s:v%d.%d.%d", g.registry, g.team, app, 1+g.rng.IntN(3), g.rng.IntN(20), g.rng.IntN(10))
	if g.rng.IntN(10) == 0 {
		ref = fmt.Sprintf("%s/%s/%s@sha256:%016x%016x%016x%016x", g.registry, g.team, app,
			g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64())
	}
	switch r := g.rng.IntN(10); {
	case r < 7:
		im.main = ref
	case r < 9:
		im.sidecar = ref
	default:
		im.init = ref
	}
	return im
}

func (g *fileGen) workload(i int, hit bool) {
	name := fmt.Sprintf("%s-%s-%05d", g.team, g.pick(apps), i)
	im := g.images(hit)
	w := &g.b
	switch r := g.rng.IntN(20); {
	case r < 9:
		fmt.Fprintf(w, "# %s serves the %s API.\napiVersion: apps/v1\nkind: Deployment\n", name, g.team)
		g.metadata(name, 0, true)
		fmt.Fprintf(w, "spec:\n  replicas: %d # scaled by the HPA in production\n", 1+g.rng.IntN(5))
		g.selector(name)
		g.template(name, 2, im, false)
	case r < 12:
		fmt.Fprintf(w, "apiVersion: apps/v1\nkind: StatefulSet\n")
		g.metadata(name, 0, true)
		fmt.Fprintf(w, "spec:\n  serviceName: %s\n  replicas: 3\n", name)
		g.selector(name)
		g.template(name, 2, im, false)
		w.WriteString("  volumeClaimTemplates:\n")
		g.item(2, "metadata:\n")
		c := g.itemInd(2)
		fmt.Fprintf(w, "%s  name: data\n%sspec:\n%s  accessModes: [\"ReadWriteOnce\"]\n", c, c, c)
		fmt.Fprintf(w, "%s  resources:\n%s    requests:\n%s      storage: 10Gi\n", c, c, c)
	case r < 14:
		fmt.Fprintf(w, "# One-off job; re-run by deleting it.\napiVersion: batch/v1\nkind: Job\n")
		g.metadata(name, 0, false)
		w.WriteString("spec:\n  backoffLimit: 3\n  ttlSecondsAfterFinished: 86400\n")
		g.template(name, 2, im, true)
	case r < 17:
		fmt.Fprintf(w, "apiVersion: batch/v1\nkind: CronJob\n")
		g.metadata(name, 0, false)
		fmt.Fprintf(w, "spec:\n  schedule: \"*/%d * * * *\"\n  concurrencyPolicy: Forbid # never overlap\n", 5+g.rng.IntN(55))
		w.WriteString("  jobTemplate:\n    spec:\n      backoffLimit: 2\n")
		g.template(name, 6, im, true)
	default:
		fmt.Fprintf(w, "# Debug pod, kept for on-call.\napiVersion: v1\nkind: Pod\n")
		g.metadata(name, 0, true)
		w.WriteString("spec:\n")
		g.podSpec(name, 2, im, false)
	}
}

// ind returns n spaces.
func (g *fileGen) ind(n int) string { return strings.Repeat(" ", n) }

// item starts a list item under a key at indentation n: "- " at n (compact) or n+2 (wide).
// The item's further keys go at g.itemInd(n).
func (g *fileGen) item(n int, first string) {
	if g.wide {
		n += 2
	}
	g.b.WriteString(g.ind(n) + "- " + first)
}

func (g *fileGen) itemInd(n int) string {
	if g.wide {
		return g.ind(n + 4)
	}
	return g.ind(n + 2)
}

func (g *fileGen) metadata(name string, n int, annotate bool) {
	p := g.ind(n)
	fmt.Fprintf(&g.b, "%smetadata:\n%s  name: %s\n%s  labels:\n", p, p, name, p)
	fmt.Fprintf(&g.b, "%s    app.kubernetes.io/name: %s\n%s    app.kubernetes.io/part-of: %s\n", p, name, p, g.team)
	if annotate && g.rng.IntN(3) == 0 {
		fmt.Fprintf(&g.b, "%s  annotations:\n%s    example.com/owner: \"%s@example.com\"\n", p, p, g.team)
	}
	if g.rng.IntN(3) == 0 {
		g.b.WriteString("\n")
	}
}

func (g *fileGen) selector(name string) {
	fmt.Fprintf(&g.b, "  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n", name)
}

// template writes "template:" at indentation n with its metadata and pod spec.
func (g *fileGen) template(name string, n int, im podImages, job bool) {
	p := g.ind(n)
	fmt.Fprintf(&g.b, "%stemplate:\n%s  metadata:\n%s    labels:\n%s      app.kubernetes.io/name: %s\n", p, p, p, p, name)
	fmt.Fprintf(&g.b, "%s  spec:\n", p)
	g.podSpec(name, n+4, im, job)
}

// podSpec writes the keys of a pod spec at indentation n.
func (g *fileGen) podSpec(name string, n int, im podImages, job bool) {
	p := g.ind(n)
	w := &g.b
	if job {
		fmt.Fprintf(w, "%srestartPolicy: OnFailure\n", p)
	} else {
		fmt.Fprintf(w, "%sserviceAccountName: %s\n", p, name)
	}
	if im.init != "" {
		fmt.Fprintf(w, "%sinitContainers:\n", p)
		g.item(n, "name: init\n")
		c := g.itemInd(n)
		fmt.Fprintf(w, "%simage: %s\n%scommand: [\"sh\", \"-c\", \"echo init\"]\n", c, im.init, c)
	}
	fmt.Fprintf(w, "%scontainers:\n", p)
	g.item(n, "name: app\n")
	c := g.itemInd(n)
	if g.rng.IntN(3) == 0 {
		fmt.Fprintf(w, "%s# pinned; bumped by renovate\n", c)
	}
	fmt.Fprintf(w, "%simage: %s\n", c, im.main)
	if job {
		fmt.Fprintf(w, "%sargs:\n", c)
		g.item(len(c), "--batch-size=500\n")
		g.item(len(c), "--dry-run=false\n")
	} else {
		fmt.Fprintf(w, "%sports:\n", c)
		g.item(len(c), "name: http\n")
		fmt.Fprintf(w, "%scontainerPort: 8080\n", g.itemInd(len(c)))
	}
	fmt.Fprintf(w, "%senv:\n", c)
	g.item(len(c), "name: LOG_LEVEL\n")
	fmt.Fprintf(w, "%svalue: %s\n", g.itemInd(len(c)), []string{"info", "\"debug\"", "'warn'"}[g.rng.IntN(3)])
	if g.rng.IntN(2) == 0 {
		g.item(len(c), "name: OTEL_SERVICE_NAME\n")
		fmt.Fprintf(w, "%svalue: %s\n", g.itemInd(len(c)), name)
	}
	fmt.Fprintf(w, "%sresources:\n%s  requests:\n%s    cpu: %dm\n%s    memory: %dMi\n", c, c, c, 50*(1+g.rng.IntN(8)), c, 64*(1+g.rng.IntN(8)))
	fmt.Fprintf(w, "%s  limits: {memory: 1Gi}\n", c)
	if !job {
		fmt.Fprintf(w, "%sreadinessProbe:\n%s  httpGet:\n%s    path: /healthz\n%s    port: http\n", c, c, c, c)
	}
	if im.sidecar != "" {
		g.item(n, "name: sidecar # injected by the platform team\n")
		fmt.Fprintf(w, "%simage: %s\n", c, im.sidecar)
	}
}
