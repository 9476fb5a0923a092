package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/acrgen/acrgen/internal/tree"
	"github.com/acrgen/acrgen/pkg/finding"
	"github.com/acrgen/acrgen/pkg/manifest"
	"github.com/acrgen/acrgen/pkg/settings"
	"github.com/acrgen/acrgen/pkg/yamledit"
)

const readsPod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: apps\nspec:\n  containers:\n  - name: a\n    image: myregistry.azurecr.io/app:1\n"

func checkOpts(dir string) Options {
	return Options{Dir: dir, Mode: Render, Registries: []string{"myregistry.azurecr.io"}, SecretName: settings.DefaultSecretName,
		Display: func(p string) string { return strings.TrimPrefix(p, dir+"/") }}
}

// The kustomization finishKustomization rewrites keeps the mode read with its bytes by the
// loader; nothing reads the file again.
func TestFinishKustomizationKeepsTheLoadedMode(t *testing.T) {
	src := []byte("resources:\n- pod.yaml\n")
	r := &run{
		opts:    Options{Display: func(p string) string { return p }},
		t:       &tree.Tree{Kustomization: &tree.Kustomization{Path: "/nonexistent/kustomization.yaml", Src: yamledit.NewSource(src), Mode: 0o640}},
		kustoms: []yamledit.Edit{{Start: len(src), End: len(src), Text: "- secret.yaml\n"}},
		res:     &Result{},
	}
	if err := r.finishKustomization(); err != nil {
		t.Fatal(err)
	}
	if len(r.res.Changes) != 1 || r.res.Changes[0].Mode != 0o640 || string(r.res.Changes[0].New) != "resources:\n- pod.yaml\n- secret.yaml\n" {
		t.Fatalf("got %+v, want the kustomization with mode 0640", r.res.Changes)
	}
}

// A root kustomization that is a symlink out of the root is refused before anything is
// planned, as a manifest would be: acrgen may edit it.
func TestRootKustomizationSymlinkOutOfRootRefused(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	testtool.WriteTree(t, dir, map[string]string{"pod.yaml": readsPod})
	testtool.WriteTree(t, outside, map[string]string{"kustomization.yaml": "resources:\n- pod.yaml\n"})
	if err := os.Symlink(filepath.Join(outside, "kustomization.yaml"), filepath.Join(dir, "kustomization.yaml")); err != nil {
		t.Fatal(err)
	}
	opts := checkOpts(dir)
	opts.Mode = Check
	_, err := Plan(opts)
	if err == nil || !strings.HasPrefix(err.Error(), "kustomization.yaml: symlink leaves the directory acrgen works on") {
		t.Fatalf("got %v, want the symlinked kustomization refused", err)
	}
}

// The patch file patchExternal reads (for a workload from outside the root) gets the loader's
// checks: a FIFO there is refused rather than read forever, a symlink out of the root is
// refused, and one that is too large is refused with the limit.
func TestPatchFileReadChecks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, patch string)
		want  string
	}{
		{"fifo", func(t *testing.T, patch string) {
			if err := testtool.Mkfifo(patch); err != nil {
				t.Skipf("no FIFOs here: %v", err)
			}
		}, "overlay/acr-secret.patch.yaml: not a regular file"},
		{"symlink out of the root", func(t *testing.T, patch string) {
			target := filepath.Join(t.TempDir(), "p.yaml")
			testtool.WriteTree(t, filepath.Dir(target), map[string]string{"p.yaml": manifest.PatchHeader})
			if err := os.Symlink(target, patch); err != nil {
				t.Fatal(err)
			}
		}, "overlay/acr-secret.patch.yaml: symlink leaves the directory acrgen works on"},
		{"too large", func(t *testing.T, patch string) {
			if err := os.WriteFile(patch, []byte(manifest.PatchHeader+strings.Repeat("#\n", 200)), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "overlay/acr-secret.patch.yaml: file is"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := t.TempDir()
			testtool.WriteTree(t, top, map[string]string{
				"base/kustomization.yaml":    "resources:\n- pod.yaml\n",
				"base/pod.yaml":              readsPod,
				"overlay/kustomization.yaml": "resources:\n- ../base\n",
			})
			tc.setup(t, filepath.Join(top, "overlay", "acr-secret.patch.yaml"))
			opts := checkOpts(filepath.Join(top, "overlay"))
			opts.Display = func(p string) string { return strings.TrimPrefix(p, top+"/") }
			opts.MaxFileSize = 300
			done := make(chan error, 1)
			go func() { _, err := Plan(opts); done <- err }()
			select {
			case err := <-done:
				if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
					t.Fatalf("got %v, want %q", err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Plan blocked reading the patch file")
			}
		})
	}
}

// With --namespace, check names, for a namespace missing the Secret, the registries its own
// workloads pull from, and a registry that only workloads of other namespaces pull from is no
// typo.
func TestCheckNamespaceFilterNamesItsOwnRegistries(t *testing.T) {
	dir := t.TempDir()
	pod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: %s\nspec:\n  containers:\n  - name: c\n    image: %s/app:1\n"
	testtool.WriteTree(t, dir, map[string]string{
		"kustomization.yaml": "resources:\n- one.yaml\n- two.yaml\n",
		"one.yaml":           fmt.Sprintf(pod, "one", "aacr.azurecr.io"),
		"two.yaml":           fmt.Sprintf(pod, "two", "bacr.azurecr.io"),
	})
	opts := checkOpts(dir)
	opts.Mode = Check
	opts.Registries = []string{"aacr.azurecr.io", "bacr.azurecr.io", "cacr.azurecr.io"}
	opts.Namespaces = []string{"one"}
	res, err := Plan(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := "no Secret acr-secret in namespace one, where workloads pull from aacr.azurecr.io"
	var problems, typos []string
	for _, f := range res.Findings {
		switch {
		case f.Severity == finding.Problem:
			problems = append(problems, f.Message())
		case f.Code == finding.RegistryUnused:
			typos = append(typos, f.Message())
		}
	}
	if !slices.Contains(problems, want) {
		t.Errorf("problems %q, want %q among them", problems, want)
	}
	if len(typos) != 1 || !strings.Contains(typos[0], "pulls from cacr.azurecr.io") {
		t.Errorf("want one typo warning, for cacr.azurecr.io (bacr.azurecr.io is used in namespace two), got %q", typos)
	}
}
