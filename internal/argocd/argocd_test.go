package argocd

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
)

func TestNormalizeURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://github.com/Org/Repo.git", "github.com/org/repo"},
		{"https://github.com/org/repo/", "github.com/org/repo"},
		{"git@github.com:org/repo.git", "github.com/org/repo"},
		{"ssh://git@github.com:22/org/repo", "github.com/org/repo"},
		{"https://user:token@gitlab.example.com:8443/group/sub/repo.git", "gitlab.example.com/group/sub/repo"},
		{"git://example.com/repo", "example.com/repo"},
		{"https://dev.azure.com/Contoso/Shop/_git/gitops", "dev.azure.com/contoso/shop/gitops"},
		{"https://contoso@dev.azure.com/contoso/shop/_git/gitops", "dev.azure.com/contoso/shop/gitops"},
		{"git@ssh.dev.azure.com:v3/contoso/shop/gitops", "dev.azure.com/contoso/shop/gitops"},
		{"https://contoso.visualstudio.com/DefaultCollection/shop/_git/gitops", "dev.azure.com/contoso/shop/gitops"},
		{"contoso@vs-ssh.visualstudio.com:v3/contoso/shop/gitops", "dev.azure.com/contoso/shop/gitops"},
	} {
		if got := NormalizeURL(tc.in); got != tc.want {
			t.Errorf("NormalizeURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if NormalizeURL("https://github.com/org/repo") == NormalizeURL("https://github.com/org/repo2") {
		t.Error("two repositories compare equal")
	}
}

// TestSetImages follows `kustomize edit set image`: arguments parsed as kustomize v5 parses
// them, entries replaced by name ("*" keeps a part), the list sorted by name.
func TestSetImages(t *testing.T) {
	t.Parallel()
	set, err := parseImages([]string{"web=myregistry.azurecr.io/web:2.0", "nginx:1.27", "api=*:v3", "db@sha256:abc", "tag=${ARGOCD_APP_NAME}.azurecr.io/x"}, Env{"ARGOCD_APP_NAME": "shop"})
	if err != nil {
		t.Fatal(err)
	}
	old := []types.Image{{Name: "web", NewTag: "1.0"}, {Name: "api", NewName: "registry/api", NewTag: "v1"}, {Name: "zeta", NewTag: "z"}}
	want := []types.Image{
		{Name: "api", NewName: "registry/api", NewTag: "v3"},
		{Name: "db", Digest: "sha256:abc"},
		{Name: "nginx", NewTag: "1.27"},
		{Name: "tag", NewName: "shop.azurecr.io/x"},
		{Name: "web", NewName: "myregistry.azurecr.io/web", NewTag: "2.0"},
		{Name: "zeta", NewTag: "z"},
	}
	if d := cmp.Diff(want, setImages(old, set)); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if _, err := parseImages([]string{"nginx"}, nil); err == nil || !strings.Contains(err.Error(), "refuses") {
		t.Errorf("an image without a new name, tag or digest must be refused as kustomize does, got %v", err)
	}
}

func TestReplace(t *testing.T) {
	t.Parallel()
	params := map[string]any{"env": "prod", "values.registry": "myregistry.azurecr.io"}
	for _, tc := range []struct{ in, want string }{
		{"web-{{env}}", "web-prod"},
		{"{{ values.registry }}/web", "myregistry.azurecr.io/web"},
		{"{{missing}}-{{env}}", "{{missing}}-prod"}, // Argo CD leaves an unknown parameter as it is
		{"no template", "no template"},
		{"{{env", "{{env"},
	} {
		got, err := replace(tc.in, params, false, nil)
		if err != nil || got != tc.want {
			t.Errorf("replace(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	got, err := replace("{{.cluster.name}}-{{.env}}", map[string]any{"env": "dev", "cluster": map[string]any{"name": "aks"}}, true, nil)
	if err != nil || got != "aks-dev" {
		t.Errorf("goTemplate: got %q, %v", got, err)
	}
	if _, err := replace("{{.nope}}", map[string]any{}, true, []string{"missingkey=error"}); err == nil {
		t.Error("missingkey=error must make a missing key an error")
	}
}

// TestDecodeErrorsNameFileAndLine: a field of the wrong type is exit 2 naming the file and
// line, and the whole run stops.
func TestDecodeErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"app/kustomization.yaml": "resources: []\n",
		"apps.yaml":              "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: bad\nspec:\n  source:\n    repoURL: " + repoURL + "\n    path: app\n    kustomize:\n      images: web=myregistry.azurecr.io/web\n",
	})
	_, err := Resolve([]string{dir}, Options{SourceRoot: dir, RepoURLs: []string{repoURL}})
	var ie *tree.InputError
	if !errors.As(err, &ie) || ie.Line != 10 || !strings.HasSuffix(ie.Path, "apps.yaml") || !strings.Contains(ie.Msg, "cannot unmarshal") {
		t.Fatalf("want an input error at apps.yaml:10, got %v", err)
	}
}

// TestPathLeavingTheRootIsRefused: repository data never makes acrgen read outside the
// source root: not through ../, nor through a symlink inside the root leading out of it (the
// loader, started where the symlink lands, would read there freely).
func TestPathLeavingTheRootIsRefused(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"../outside", "app"} { // app: the symlink
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			testtool.WriteTree(t, dir, map[string]string{
				"repo/apps.yaml":             "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: out\nspec:\n  source:\n    repoURL: " + repoURL + "\n    path: " + path + "\n",
				"outside/kustomization.yaml": "resources: []\n",
			})
			root := filepath.Join(dir, "repo")
			if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(root, "app")); err != nil {
				t.Skip(err)
			}
			repo, err := Resolve([]string{root}, Options{SourceRoot: root, RepoURLs: []string{repoURL}})
			if err == nil || !strings.Contains(err.Error(), "leaves the source root") {
				t.Fatalf("want a refusal, got %v (%+v)", err, repo)
			}
		})
	}
}

// TestNameLeavingTheSourcePathIsRefused: the repo-server reads .argocd-source-NAME.yaml in the
// source's path; a name with slashes (which the Kubernetes API refuses) must not make acrgen read
// a file elsewhere (here outside the source root) as that override.
func TestNameLeavingTheSourcePathIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"repo/app/kustomization.yaml": "resources: []\n",
		"repo/apps.yaml":              "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ../../../../outside\nspec:\n  source:\n    repoURL: " + repoURL + "\n    path: app\n",
		"outside.yaml":                "kustomize:\n  namePrefix: read-from-outside-\n",
	})
	root := filepath.Join(dir, "repo")
	repo, err := Resolve([]string{root}, Options{SourceRoot: root, RepoURLs: []string{repoURL}})
	var ie *tree.InputError
	if !errors.As(err, &ie) || ie.Line != 1 || !strings.HasSuffix(ie.Path, "apps.yaml") || !strings.Contains(ie.Msg, "the Kubernetes API refuses it") {
		t.Fatalf("want an input error at apps.yaml:1, got %v (%+v)", err, repo)
	}
}

// TestSourceHydrator: with spec.sourceHydrator, Argo CD applies the hydrated branch's path, not
// spec.source: acrgen follows that one (here a branch and path it cannot see) and never checks
// spec.source's directory in its place.
func TestSourceHydrator(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"app/kustomization.yaml": "resources: []\n",
		"apps.yaml": "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: h\nspec:\n  source:\n    repoURL: " + repoURL + "\n    path: app\n" +
			"  sourceHydrator:\n    drySource:\n      repoURL: " + repoURL + "\n      path: app\n      targetRevision: HEAD\n" +
			"    syncSource:\n      targetBranch: environments/dev\n      path: hydrated/dev\n",
	})
	repo, err := Resolve([]string{dir}, Options{SourceRoot: dir, RepoURLs: []string{repoURL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Targets) != 0 {
		t.Errorf("want no target (spec.source is ignored, the hydrated path is not here), got %+v", repo.Targets)
	}
	if !slices.ContainsFunc(repo.Findings, func(f finding.Finding) bool {
		return f.Code == finding.ArgoRevisionPath && slices.Contains(f.Args, "spec.sourceHydrator.syncSource") && slices.Contains(f.Args, "hydrated/dev")
	}) {
		t.Errorf("want a warning that the hydrated path is not seen, got %v", repo.Findings)
	}
}

// git runs the real git in dir.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", "-c", "tag.gpgSign=false", "-c", "commit.gpgSign=false"}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// newRepo makes a git repository with one commit on main and remote origin at url.
func newRepo(t *testing.T, url string) string {
	t.Helper()
	testtool.Path(t, "git")
	dir := t.TempDir()
	git(t, dir, "init", "-q")
	git(t, dir, "remote", "add", "origin", url)
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "one")
	return dir
}

// openTop reads the git repository of the work tree at dir, as Resolve finds it.
func openTop(dir string) *gitRepo {
	_, gitDir := tree.GitTop(dir)
	return openGit(gitDir)
}

// TestForgedGitFileIsNotFollowed: a .git file naming another repository's git directory (which
// does not name this work tree back) is not followed: acrgen reads no remote, no ref, no file
// of it, and says that no remote names the repository.
func TestForgedGitFileIsNotFollowed(t *testing.T) {
	other := newRepo(t, repoURL)
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		".git":                   "gitdir: " + filepath.Join(other, ".git") + "\n",
		"app/kustomization.yaml": "resources: []\n",
		"apps.yaml":              "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: a\nspec:\n  source:\n    repoURL: https://github.com/someone/else.git\n    path: app\n",
	})
	if g := openTop(dir); len(g.remotes) != 0 || g.head != "" {
		t.Fatalf("the forged .git file was followed: remotes %v, HEAD %q", g.remotes, g.head)
	}
	repo, err := Resolve([]string{dir}, Options{SourceRoot: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(repo.Findings, func(f finding.Finding) bool { return f.Code == finding.ArgoNoRemote }) || len(repo.Targets) != 1 {
		t.Fatalf("want the source taken as this repository, with a warning that no remote names it; got %v, %d targets", repo.Findings, len(repo.Targets))
	}
}

// TestGitRevisions reads repositories made by the real git: remotes, the checked-out branch,
// tags (loose and packed, annotated and not), a detached HEAD and a linked worktree.
func TestGitRevisions(t *testing.T) {
	dir := newRepo(t, "git@github.com:example/gitops.git")
	old := git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "tag", "-a", "-m", "v1", "v1")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "two")
	head := git(t, dir, "rev-parse", "HEAD")
	git(t, dir, "tag", "v2")
	git(t, dir, "tag", "-a", "-m", "v2a", "v2-annotated")
	git(t, dir, "branch", "release")
	git(t, dir, "update-ref", "refs/remotes/origin/trunk", head)
	git(t, dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")

	check := func(g *gitRepo, seen, unseen []string) {
		t.Helper()
		for _, r := range seen {
			if ok, known := g.revision(r); !ok || !known {
				t.Errorf("revision %q: want seen (HEAD %s, branch %q)", r, g.head, g.branch)
			}
		}
		for _, r := range unseen {
			if ok, known := g.revision(r); ok || !known {
				t.Errorf("revision %q: want known and not seen", r)
			}
		}
	}
	g := openTop(dir)
	if d := cmp.Diff([]string{"git@github.com:example/gitops.git"}, g.remotes); d != "" {
		t.Errorf("remotes (-want +got):\n%s", d)
	}
	if g.head != head || g.branch != "main" {
		t.Fatalf("HEAD: got %s on %q, want %s on main", g.head, g.branch, head)
	}
	seen := []string{"", "HEAD", "main", "refs/heads/main", "trunk", "release", "v2", "refs/tags/v2", head, head[:7], "v2-annotated"}
	check(g, seen, []string{"v1", old, old[:8], "feature", "1.2.*"})

	git(t, dir, "pack-refs", "--all")
	check(openTop(dir), seen, []string{"v1", old})

	git(t, dir, "checkout", "-q", "--detach", old)
	g = openTop(dir)
	if g.branch != "" || g.head != old {
		t.Fatalf("detached: got %s on %q", g.head, g.branch)
	}
	check(g, []string{"HEAD", "v1", old, "trunk"}, []string{"main", "v2", "release"})

	wt := filepath.Join(t.TempDir(), "wt")
	git(t, dir, "worktree", "add", "-q", "-b", "feature", wt, "main")
	g = openTop(wt)
	if g.branch != "feature" || g.head != head || len(g.remotes) != 1 {
		t.Fatalf("worktree: got %s on %q, remotes %v", g.head, g.branch, g.remotes)
	}
	check(g, []string{"feature", "main", "trunk"}, []string{"v1"})

	if ok, known := (&gitRepo{refs: map[string]string{}}).revision("main"); ok || known {
		t.Error("without a repository, a branch must be unknown")
	}
}

// TestResolveFromGit runs Resolve in a real repository: the remote names this repository in
// its ssh form while the Application names it in https form, and an Application pinned to an
// older tag is followed with a warning that names it.
func TestResolveFromGit(t *testing.T) {
	dir := newRepo(t, "git@github.com:Example/GitOps.git")
	git(t, dir, "tag", "v1")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "two")
	app := func(name, rev string) string {
		return "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: " + name + "\n  namespace: argocd\nspec:\n  source:\n    repoURL: https://github.com/example/gitops\n    path: app\n    targetRevision: " + rev + "\n  destination:\n    namespace: web\n"
	}
	testtool.WriteTree(t, dir, map[string]string{
		"app/kustomization.yaml": "resources: []\n",
		"clusters/apps.yaml":     app("current", "main") + app("pinned", "v1"),
	})
	t.Chdir(dir)
	repo, err := Resolve([]string{"clusters"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Targets) != 2 {
		t.Fatalf("want both Applications followed, got %d targets", len(repo.Targets))
	}
	if fs := repo.Findings; len(fs) != 1 || fs[0].Code != finding.ArgoRevisionOther || fs[0].Object != finding.ArgoApplication("argocd", "pinned") || !strings.Contains(fs[0].Message(), "targetRevision v1") {
		t.Fatalf("want one warning naming the pinned Application, got %v", fs)
	}

	// Outside git, without --source-root: refused, with what to do.
	out := t.TempDir()
	testtool.WriteTree(t, out, map[string]string{"apps.yaml": app("x", "main")})
	if _, err := Resolve([]string{out}, Options{}); err == nil || !strings.Contains(err.Error(), "--source-root") {
		t.Fatalf("outside git: want a refusal naming --source-root, got %v", err)
	}
}

// TestPlainDirectories: a directory holding no Argo CD object is given back to the caller
// as it is; one holding only an ApplicationSet whose generators acrgen does not expand is not.
func TestPlainDirectories(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"plain/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
		"sets/set.yaml":  "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: s\nspec:\n  generators:\n  - clusters: {}\n  template:\n    metadata:\n      name: x\n    spec:\n      source:\n        repoURL: " + repoURL + "\n        path: plain\n",
	})
	repo, err := Resolve([]string{filepath.Join(dir, "plain"), filepath.Join(dir, "sets")}, Options{SourceRoot: dir, RepoURLs: []string{repoURL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(repo.Plain) != 1 || filepath.Base(repo.Plain[0]) != "plain" {
		t.Errorf("want plain/ alone given back, got %v", repo.Plain)
	}
	if fs := repo.Findings; len(fs) != 1 || fs[0].Code != finding.ArgoGeneratorUnseen || fs[0].Object != finding.ArgoApplicationSet("", "s") {
		t.Errorf("want the clusters generator named, got %v", fs)
	}
}

// TestChartSourceMakingApplications: an Application whose source is a chart of this repository
// that makes Applications (argoproj/argocd-example-apps' apps/, an app of apps written as a
// chart) is named as a Helm source, and the chart as one whose Applications acrgen cannot
// follow, even when acrgen is given only the directory of the Application.
func TestChartSourceMakingApplications(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{
		"apps/Chart.yaml":                  "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
		"apps/templates/applications.yaml": "{{- range .Values.applications }}\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {{ .name }}\n{{ end }}\n",
		"argocd/apps.yaml":                 "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: apps\n  namespace: argocd\nspec:\n  source:\n    repoURL: " + repoURL + "\n    path: apps\n  destination:\n    namespace: argocd\n",
	})
	repo, err := Resolve([]string{filepath.Join(dir, "argocd")}, Options{SourceRoot: dir, RepoURLs: []string{repoURL}})
	if err != nil {
		t.Fatal(err)
	}
	var got []finding.Code
	for _, f := range repo.Findings {
		got = append(got, f.Code)
	}
	if !slices.Equal(got, []finding.Code{finding.ArgoHelmSource, finding.ArgoChartApplications}) || repo.Findings[1].File != filepath.Join(dir, "apps", "Chart.yaml") {
		t.Fatalf("want the Helm source and the chart's Applications named, got %v", repo.Findings)
	}
}
