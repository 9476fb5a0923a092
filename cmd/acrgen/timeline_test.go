package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/fakeazure"
	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/pkg/online"
)

// timeline runs acrgen as a rotation workflow would, in a git-like history of copies of the
// tree: main (what is merged), a pull request branch, and applied (what Flux applied last).
type timeline struct {
	t       *testing.T
	srv     *fakeazure.Server
	env     []string
	keyFile string
	args    []string // provision DIR ... for the credential under test
	main    string
	applied string
}

// branch copies a directory: a commit, a checkout, or what Flux applied.
func (tl *timeline) branch(from string) string {
	dir := tl.t.TempDir()
	testtool.CopyTree(tl.t, from, dir)
	return dir
}

func (tl *timeline) run(dir string, extra ...string) procResult {
	tl.t.Helper()
	return runBinary(tl.t, tl.env, dir, append(append([]string(nil), tl.args...), extra...)...)
}

func (tl *timeline) must(dir string, extra ...string) procResult {
	tl.t.Helper()
	r := tl.run(dir, extra...)
	if r.code != 0 {
		tl.t.Fatalf("acrgen %s: exit %d\n%s%s", strings.Join(extra, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

var registryImage = regexp.MustCompile(`image: "?(myregistry\.azurecr\.io/[^"\s]+)`)

// authenticates is the test of every step: the Secret in the tree at dir, decrypted with the
// real sops, holds a credential with which the emulated registry lets every image the tree's
// workloads pull from it be pulled (its token flow, then a manifest HEAD).
func (tl *timeline) authenticates(step, dir string) {
	tl.t.Helper()
	plain := sopsDecrypt(tl.t, filepath.Join(dir, "overlays/prod/acr-secret.enc.yaml"), tl.keyFile)
	raw, err := base64.StdEncoding.DecodeString(dataField(tl.t, plain))
	if err != nil {
		tl.t.Fatal(err)
	}
	var cfg struct {
		Auths map[string]struct{ Username, Password string }
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		tl.t.Fatal(err)
	}
	auth := cfg.Auths["myregistry.azurecr.io"]
	var images []string
	for _, m := range registryImage.FindAllStringSubmatch(string(kustomizeBuild(tl.t, filepath.Join(dir, "overlays/prod"))), -1) {
		images = append(images, m[1])
	}
	if len(images) == 0 {
		tl.t.Fatalf("%s: the tree pulls nothing from the registry", step)
	}
	for _, r := range online.Check(context.Background(), "myregistry.azurecr.io", auth.Username, []byte(auth.Password), images,
		online.Options{Transport: tl.srv.RegistryTransport(), Timeout: 10 * time.Second}) {
		if r.Status != online.Pulls {
			tl.t.Fatalf("%s: the applied Secret does not pull %s: %s (%s)", step, r.Image, r.Status, r.Detail)
		}
	}
}

func newTimeline(t *testing.T, args ...string) *timeline {
	srv, err := fakeazure.Start(fakeazure.Options{Dir: t.TempDir(), Registries: []fakeazure.Registry{{Name: "myregistry"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	dir, keyFile, _ := examplesCopy(t)
	tl := &timeline{t: t, srv: srv, keyFile: keyFile, main: dir,
		env:  append(append(os.Environ(), srv.Env()...), "SOPS_AGE_KEY_FILE="+keyFile),
		args: append([]string{"provision", "overlays/prod", "--registry", "myregistry", "--cloud", srv.CloudFile()}, args...)}
	for _, m := range registryImage.FindAllStringSubmatch(string(kustomizeBuild(t, filepath.Join(dir, "overlays/prod"))), -1) {
		repo, tag, _ := strings.Cut(strings.TrimPrefix(m[1], "myregistry.azurecr.io/"), ":")
		if _, err := srv.PushImage("myregistry.azurecr.io", repo, tag); err != nil {
			t.Fatal(err)
		}
	}
	return tl
}

// TestRotationTimeline follows a credential through its life as the two-job workflow of
// docs/rotation.md drives it, for a service principal and for a token. At every step the
// Secret in the applied tree authenticates against the emulated registry.
func TestRotationTimeline(t *testing.T) {
	testtool.Path(t, "sops")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"service principal", []string{"--sp-name", "acr-pull-prod"}},
		{"token", []string{"--credential", "token", "--token-name", "prod-pull"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTimeline(t, tc.args...)
			tl.must(tl.main)
			tl.applied = tl.branch(tl.main)
			tl.authenticates("first provision, applied", tl.applied)

			// The scheduled rotate job opens a pull request.
			pr := tl.branch(tl.main)
			rot := tl.must(pr, "--rotate")
			if !strings.Contains(rot.stdout, "--retire") {
				t.Errorf("rotate does not say how the old password goes:\n%s", rot.stdout)
			}
			tl.authenticates("pull request open", tl.applied)
			tl.authenticates("the pull request's own Secret", pr)

			// Something else lands on main meanwhile: the retire job runs, and must leave the
			// pull request's new password alone, as well as the applied one.
			ret := tl.must(tl.main, "--retire", "--grace", "0s")
			if !strings.Contains(ret.stdout, "kept ") || strings.Contains(ret.stdout, "removed on") {
				t.Errorf("retire with a rotation pending:\n%s", ret.stdout)
			}
			tl.authenticates("retire while the pull request is open (main)", tl.applied)
			tl.authenticates("retire while the pull request is open (the pull request)", pr)

			// Merged; Flux has not applied it yet; then it has.
			tl.main = pr
			tl.authenticates("merged, not applied", tl.applied)
			early := tl.must(tl.main, "--retire")
			if !strings.Contains(early.stdout, "less than --grace ago") {
				t.Errorf("retire within the grace period:\n%s", early.stdout)
			}
			tl.authenticates("retire within the grace period", tl.applied)
			tl.applied = tl.branch(tl.main)
			tl.authenticates("merged and applied", tl.applied)

			// Retire after the grace period: the old password goes.
			ret = tl.must(tl.main, "--retire", "--grace", "0s")
			if !strings.Contains(ret.stdout, "removed on") {
				t.Errorf("retire after merge removed nothing:\n%s", ret.stdout)
			}
			tl.authenticates("retired", tl.applied)
			again := tl.must(tl.main, "--retire", "--grace", "0s")
			if !strings.Contains(again.stdout, "nothing to remove") {
				t.Errorf("a second retire:\n%s", again.stdout)
			}

			// Rotate again; that pull request is abandoned.
			abandoned := tl.branch(tl.main)
			tl.must(abandoned, "--rotate")
			tl.authenticates("second rotation open", tl.applied)
			tl.must(tl.main, "--retire", "--grace", "0s")
			tl.authenticates("retire with the second rotation pending", tl.applied)
			tl.authenticates("the second rotation's Secret", abandoned)
			gone := tl.must(tl.main, "--retire", "--grace", "0s", "--abandoned")
			if !strings.Contains(gone.stdout, "removed on") {
				t.Errorf("--abandoned removed nothing:\n%s", gone.stdout)
			}
			tl.authenticates("abandoned rotation retired", tl.applied)

			// Had that pull request been merged after all, its password is gone: retire says
			// so, exits 1 and removes nothing.
			snapshot := slices.Clone(tl.srv.Applications())
			tokens := tl.srv.Tokens()
			missing := tl.run(abandoned, "--retire", "--grace", "0s")
			if missing.code != exitDrift || !strings.Contains(missing.stderr, "no longer has") {
				t.Errorf("retire on a tree recording a removed password: exit %d\n%s%s", missing.code, missing.stdout, missing.stderr)
			}
			if len(tl.srv.Applications()) != len(snapshot) || len(tl.srv.Tokens()) != len(tokens) ||
				(len(snapshot) > 0 && len(tl.srv.Applications()[0].Passwords) != len(snapshot[0].Passwords)) ||
				(len(tokens) > 0 && len(tl.srv.Tokens()[0].Passwords) != len(tokens[0].Passwords)) {
				t.Error("retire removed something although the tree records a missing password")
			}
			tl.authenticates("end", tl.applied)
		})
	}
}

// TestRetireWaitsForTheMerge: a rotation whose pull request stayed open longer than the grace
// period is not retired at its merge, before Flux has applied it: the grace counts from the
// merge commit (git), not only from the password's creation. Without that, the retire job that
// runs on the push to main removed the password the cluster still used.
func TestRetireWaitsForTheMerge(t *testing.T) {
	testtool.Path(t, "sops")
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	tl := newTimeline(t, "--sp-name", "acr-pull-prod")
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	tl.must(tl.main)
	git(tl.main, "init", "-q", "-b", "main")
	git(tl.main, "add", ".")
	git(tl.main, "commit", "-q", "-m", "first provision")
	tl.applied = tl.branch(tl.main)

	const grace = 5 * time.Second // the margin: git keeps commit times to the second
	git(tl.main, "checkout", "-q", "-b", "rotate")
	tl.must(tl.main, "--rotate")
	git(tl.main, "commit", "-q", "-am", "rotate")
	time.Sleep(grace + 500*time.Millisecond) // the pull request waits for review longer than the grace
	git(tl.main, "checkout", "-q", "main")
	git(tl.main, "merge", "-q", "--no-ff", "-m", "merge the rotation", "rotate")

	// The retire job on the push to main: the new password is older than the grace, its merge
	// is not, and Flux has not applied it.
	early := tl.must(tl.main, "--retire", "--grace", grace.String())
	if !strings.HasPrefix(early.stdout, "nothing removed on") || !strings.Contains(early.stdout, "less than --grace ago") {
		t.Errorf("retire at the merge of a rotation older than the grace:\n%s", early.stdout)
	}
	tl.authenticates("merged, retire at once, not applied", tl.applied)

	tl.applied = tl.branch(tl.main)
	time.Sleep(grace)
	late := tl.must(tl.main, "--retire", "--grace", grace.String())
	if !strings.HasPrefix(late.stdout, "removed on") {
		t.Errorf("retire after the grace since the merge removed nothing:\n%s", late.stdout)
	}
	tl.authenticates("applied and retired", tl.applied)
}
