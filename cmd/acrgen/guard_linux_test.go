package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// On Linux, a run whose files the rename guard wrote instead of a lease says so, once, as a note
// in its report (ACR074; here the guard is chosen, as ACRGEN_TEST_GUARD=rename does for the kill and save
// tests); the file is patched as under a lease.
func TestPatchNotesTheRenameGuard(t *testing.T) {
	dir := t.TempDir()
	pod := filepath.Join(dir, "pod.yaml")
	write(t, pod, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n")
	r := acrgen(t, "", map[string]string{"ACRGEN_TEST_GUARD": "rename"}, "patch", dir, "-r", "myregistry")
	if r.code != 0 || strings.Count(r.stdout, ": note: the rename guard wrote 1 file(s), each through a temporary file exchanged with it atomically, since the kernel granted no write lease") != 1 || strings.Count(r.stdout, "[ACR074]") != 1 {
		t.Fatalf("want exit 0 and one note of the rename guard, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(pod); !strings.Contains(string(b), "imagePullSecrets:\n  - name: acr-secret\n") {
		t.Errorf("pod.yaml was not patched:\n%s", b)
	}
	if r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry"); r.code != 0 || strings.Contains(r.stdout+r.stderr, "ACR074") {
		t.Errorf("a run under a lease with nothing to write: want exit 0 and no note, got %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// Run as another user on files it does not own, acrgen gets no lease from the kernel (a real
// refusal, EACCES), and the rename guard would give the files a new owner: it refuses, exit 2,
// with both reasons and what to do, and changes nothing. As the files' owner, it patches them
// under a lease, and they keep their owner.
func TestPatchAsAnotherUser(t *testing.T) {
	setpriv, err := exec.LookPath("setpriv")
	if os.Geteuid() != 0 || err != nil {
		t.Skip("needs root and setpriv to run acrgen as another user")
	}
	const nobody = 65534
	bin := acrgenBinary(t)
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	top := t.TempDir()
	dir, cache := filepath.Join(top, "tree"), filepath.Join(top, "cache")
	testtool.CopyTree(t, filepath.Join(testtool.RepoRoot(t), "examples", "base"), dir)
	for _, d := range []string{filepath.Dir(top), top, dir, cache} {
		if err := os.MkdirAll(d, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(d, 0o777); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		if err := os.Chmod(f, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	patch := func() (int, string) {
		cmd := exec.Command(setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups", bin, "patch", dir, "-r", "myregistry")
		cmd.Env = []string{"PATH=/usr/bin:/bin", "XDG_CACHE_HOME=" + cache}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	before := testtool.Snapshot(t, dir)
	code, out := patch()
	if code != exitUsage || !strings.Contains(out, "pod.yaml: acrgen cannot keep other programs from saving it while it writes: no write lease (the kernel grants a write lease only to the file's owner or to CAP_LEASE: permission denied), and the rename guard would give it a new owner (it belongs to user 0, group 0); nothing was written: run acrgen as the owner of the tree's files") {
		t.Fatalf("as another user: want exit 2 with both reasons, got %d\n%s", code, out)
	}
	if d := diffSnap(before, testtool.Snapshot(t, dir)); d != "" {
		t.Errorf("files touched: %s", d)
	}
	for _, f := range files {
		if err := os.Chown(f, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}
	if code, out := patch(); code != 0 || strings.Contains(out, "ACR074") {
		t.Fatalf("as the files' owner: want exit 0 under a lease, without a note, got %d\n%s", code, out)
	}
	fi, err := os.Stat(filepath.Join(dir, "pod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody || st.Gid != nobody {
		t.Errorf("pod.yaml belongs to %d:%d now", st.Uid, st.Gid)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "pod.yaml")); !strings.Contains(string(b), "acr-secret") {
		t.Errorf("pod.yaml was not patched:\n%s", b)
	}
}
