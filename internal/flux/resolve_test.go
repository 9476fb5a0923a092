package flux

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
)

// The index holds the ConfigMaps and Secrets of the source root that postBuild.substituteFrom
// may name: Secret data decoded from base64, stringData as it is, a SOPS-encrypted Secret
// without its values, a namespace-less object under any namespace.
func TestIndex(t *testing.T) {
	b64 := base64.StdEncoding.EncodeToString
	root := t.TempDir()
	testtool.WriteTree(t, root, map[string]string{
		"a/cm.yaml":        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: vars\n  namespace: flux-system\ndata:\n  A: a\n  N: \"1\"\n",
		"a/secret.yaml":    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: flux-system\ndata:\n  B: " + b64([]byte("b")) + "\n  BAD: \"%%%\"\nstringData:\n  C: c\n",
		"b/loose.yml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loose\ndata:\n  D: d\n",
		"b/sealed.yaml":    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: sealed\n  namespace: flux-system\ndata:\n  E: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops:\n  mac: m\n",
		"b/other.yaml":     "apiVersion: v2\nkind: ConfigMap\nmetadata:\n  name: v2\ndata:\n  F: f\n",
		"b/broken.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n bad: indent\n",
		"b/notes.txt":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: txt\n",
		".hidden/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hidden\n",
		"c/deploy.yaml":    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n",
		"c/list.yaml":      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n  namespace: team\ndata:\n  G: g\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: second\n  namespace: team\nstringData:\n  H: h\n",
		"d/template.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
		"d/unrelated.yaml": "image: nginx\n",
	})
	idx, err := NewIndex(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kind, name, namespace string
		data                  map[string]string
		found, encrypted      bool
	}{
		{"ConfigMap", "vars", "flux-system", map[string]string{"A": "a", "N": "1"}, true, false},
		{"ConfigMap", "vars", "team", nil, false, false},
		{"Secret", "creds", "flux-system", map[string]string{"B": "b", "C": "c"}, true, false},
		{"ConfigMap", "creds", "flux-system", nil, false, false},
		{"ConfigMap", "loose", "anywhere", map[string]string{"D": "d"}, true, false},
		{"Secret", "sealed", "flux-system", map[string]string{}, true, true},
		{"ConfigMap", "v2", "", nil, false, false},
		{"ConfigMap", "broken", "", nil, false, false},
		{"ConfigMap", "txt", "", nil, false, false},
		{"ConfigMap", "hidden", "", nil, false, false},
		{"ConfigMap", "first", "team", map[string]string{"G": "g"}, true, false},
		{"Secret", "second", "team", map[string]string{"H": "h"}, true, false},
	} {
		data, found, encrypted := idx.Lookup(tc.kind, tc.name, tc.namespace)
		if found != tc.found || encrypted != tc.encrypted || (tc.found && !reflect.DeepEqual(data, tc.data)) {
			t.Errorf("%s %s/%s: found %v, encrypted %v, %v; want %v, %v, %v", tc.kind, tc.namespace, tc.name, found, encrypted, data, tc.found, tc.encrypted, tc.data)
		}
		if idx.Has(tc.kind, tc.name, tc.namespace) != tc.found {
			t.Errorf("%s %s/%s: Has disagrees with Lookup", tc.kind, tc.namespace, tc.name)
		}
	}
}

// A repository for Resolve: a git work tree whose clusters/c holds the Flux objects sync.yaml
// (the flux-system Kustomization of clusters/c) and what files adds.
func fluxRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		".git/HEAD":            "ref: refs/heads/main\n",
		"clusters/c/sync.yaml": fluxObject("flux-system", "./clusters/c", ""),
	}
	for k, v := range files {
		all[k] = v
	}
	testtool.WriteTree(t, dir, all)
	return dir
}

// fluxObject is a Flux Kustomization of this repository's GitRepository, with more spec.
func fluxObject(name, path, spec string) string {
	return "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: " + name + "\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: " + path + "\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n" + spec
}

const (
	testPod         = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: app\n"
	testHelmRelease = "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: web\n  namespace: apps\nspec:\n  chart:\n    spec:\n      chart: web\n"
)

// Resolve follows the Flux Kustomizations from the directories given through their
// spec.path, each once, and says what it skips and why.
func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		dirs  []string // relative to the repository; clusters/c when empty
		opts  Options
		// targets are "name@dir" (name "-" for a directory given as it is), in order.
		targets  []string
		releases []string // "namespace/name@dir by Kustomization"
		warnings []string
		err      string
	}{
		{name: "a chain of Kustomizations, each object followed once (two of one name in two files are two)",
			files: map[string]string{
				"clusters/c/apps.yaml":    fluxObject("apps", "./apps", ""),
				"apps/kustomization.yaml": "resources:\n- team.yaml\n- again.yaml\n",
				"apps/team.yaml":          fluxObject("team", "./team", "  targetNamespace: team\n"),
				"apps/again.yaml":         fluxObject("apps", "./apps", ""),
				"team/kustomization.yaml": "resources:\n- pod.yaml\n",
				"team/pod.yaml":           testPod,
			},
			targets: []string{"apps@apps", "team@team", "apps@apps", "flux-system@clusters/c"}},
		{name: "a Kustomization whose path builds itself is followed once",
			files:   map[string]string{"clusters/c/kustomization.yaml": "resources:\n- sync.yaml\n"},
			targets: []string{"flux-system@clusters/c"}},
		{name: "a directory without Flux objects is a target as it is",
			files:   map[string]string{"plain/pod.yaml": testPod},
			dirs:    []string{"plain"},
			targets: []string{"-@plain"}},
		{name: "a HelmRelease takes the namespace of the Kustomization that applies it",
			files: map[string]string{
				"clusters/c/apps.yaml": fluxObject("apps", "./apps", "  targetNamespace: team\n"),
				"apps/release.yaml":    testHelmRelease,
			},
			targets:  []string{"apps@apps", "flux-system@clusters/c"},
			releases: []string{"team/web@apps by apps"}},
		{name: "a HelmRelease of a plain directory given as it is",
			files:    map[string]string{"plain/release.yaml": testHelmRelease},
			dirs:     []string{"plain"},
			targets:  []string{"-@plain"},
			releases: []string{"apps/web@plain by -"}},
		{name: "a Kustomization of another source is skipped, with a warning",
			files: map[string]string{
				"clusters/c/other.yaml": strings.Replace(fluxObject("other", "./apps", ""), "    name: flux-system\n", "    name: upstream\n", 1),
			},
			targets:  []string{"flux-system@clusters/c"},
			warnings: []string{"clusters/c/other.yaml: Kustomization flux-system/other: its source is GitRepository flux-system/upstream, not this repository's GitRepository flux-system: skipped"}},
		{name: "a symlink in a scanned directory is not read",
			files:    map[string]string{"clusters/c/sub/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n"},
			targets:  []string{"flux-system@clusters/c"},
			warnings: []string{"clusters/c/link.yaml: a symlink: not read for Flux objects"}},
		{name: "spec.path out of the source root",
			files: map[string]string{"clusters/c/apps.yaml": fluxObject("apps", "../outside", "")},
			err:   `clusters/c/apps.yaml: Kustomization flux-system/apps: spec.path "../outside" leaves the source root`},
		{name: "spec.path that is no directory",
			files: map[string]string{"clusters/c/apps.yaml": fluxObject("apps", "./missing", "")},
			err:   `clusters/c/apps.yaml: Kustomization flux-system/apps: spec.path "./missing" is not a directory under the source root`},
		{name: "a Kustomization of a version acrgen does not read",
			files: map[string]string{"clusters/c/apps.yaml": strings.Replace(fluxObject("apps", "./apps", ""), "/v1\n", "/v2\n", 1)},
			err:   "clusters/c/apps.yaml:1: Kustomization apps: version v2 is not supported"},
		{name: "a file holding a Flux object that does not parse",
			files: map[string]string{"clusters/c/bad.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: x\n bad: indent\n"},
			err:   "clusters/c/bad.yaml: holds a Flux Kustomization but does not parse"},
		{name: "another source name (--source-name)",
			files:   map[string]string{"clusters/c/sync.yaml": strings.Replace(fluxObject("flux-system", "./clusters/c", ""), "    name: flux-system\n", "    name: mine\n", 1)},
			opts:    Options{SourceName: "mine"},
			targets: []string{"flux-system@clusters/c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := fluxRepo(t, tc.files)
			if strings.Contains(tc.name, "symlink") {
				if err := os.Symlink(filepath.Join(dir, "clusters/c/sub/cm.yaml"), filepath.Join(dir, "clusters/c/link.yaml")); err != nil {
					t.Fatal(err)
				}
			}
			rel := func(p string) string {
				if r, err := filepath.Rel(dir, p); err == nil {
					return r
				}
				return p
			}
			tc.opts.Display = rel
			dirs := tc.dirs
			if len(dirs) == 0 {
				dirs = []string{"clusters/c"}
			}
			for i := range dirs {
				dirs[i] = filepath.Join(dir, dirs[i])
			}
			repo, err := Resolve(dirs, tc.opts)
			if !succeeds(t, err, tc.err) {
				return
			}
			var targets, releases []string
			for _, tg := range repo.Targets {
				name := "-"
				if tg.Object != nil {
					name = tg.Object.Name
				}
				targets = append(targets, name+"@"+rel(tg.Dir))
			}
			for _, h := range repo.HelmReleases {
				by := "-"
				if h.By != nil {
					by = h.By.Name
				}
				releases = append(releases, h.Namespace+"/"+h.Name+"@"+rel(h.Dir)+" by "+by)
			}
			if !reflect.DeepEqual(targets, tc.targets) {
				t.Errorf("targets %q, want %q", targets, tc.targets)
			}
			if strings.Join(releases, ";") != strings.Join(tc.releases, ";") {
				t.Errorf("releases %q, want %q", releases, tc.releases)
			}
			warnings := warningTexts(repo, rel)
			if len(warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %q", warnings, tc.warnings)
			}
			for i, w := range tc.warnings {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %q, want %q", warnings[i], w)
				}
			}
		})
	}
}

// warningTexts are the warnings of repo, as text: FILE: message, the file as rel shows it.
func warningTexts(repo *Repo, rel func(string) string) []string {
	var out []string
	for _, w := range repo.Warnings {
		out = append(out, rel(w.File)+": "+w.Message())
	}
	return out
}

// Without --source-root, spec.path is relative to the git work tree of the file holding the
// object: a repository that is none is refused, saying what to pass.
func TestResolveNeedsASourceRoot(t *testing.T) {
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{"clusters/c/sync.yaml": fluxObject("flux-system", "./clusters/c", "")})
	_, err := Resolve([]string{filepath.Join(dir, "clusters/c")}, Options{})
	if err == nil || !strings.Contains(err.Error(), "holds a Flux Kustomization but is not in a git repository: pass --source-root DIR") {
		t.Fatalf("got %v, want the refusal naming --source-root", err)
	}
	repo, err := Resolve([]string{filepath.Join(dir, "clusters/c")}, Options{SourceRoot: dir})
	if err != nil || len(repo.Targets) != 1 || repo.Root == "" {
		t.Fatalf("with a source root: %v, %+v", err, repo)
	}
}

// A spec.path that is a symlink inside the source root leading out of it is refused like
// "../outside": the loader, started where the link lands, would bound its reads by that place.
func TestSpecPathSymlinkLeavingTheRootIsRefused(t *testing.T) {
	dir := fluxRepo(t, map[string]string{"clusters/c/apps.yaml": fluxObject("apps", "./apps", "")})
	outside := t.TempDir()
	testtool.WriteTree(t, outside, map[string]string{"kustomization.yaml": "resources: []\n"})
	if err := os.Symlink(outside, filepath.Join(dir, "apps")); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve([]string{filepath.Join(dir, "clusters/c")}, Options{})
	var ie *tree.InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, `spec.path "./apps" leaves the source root`) || !strings.Contains(ie.Msg, "through a symlink") {
		t.Fatalf("want the symlinked spec.path refused, got %v", err)
	}
}
