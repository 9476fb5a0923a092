//go:build unix

package fn_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acrgen/acrgen/internal/testing/testtool"
	"github.com/google/go-cmp/cmp"
)

// TestKptEvalHostileConfig: a pull request that edits the committed functionConfig, as issue 18
// reproduced with the real kpt, can neither read a file outside the package (an absolute path,
// "..", a symlink out, a FIFO that would hang the job) nor a variable of the runner; kpt fails,
// the package is unchanged, and no output holds the runner's secret.
func TestKptEvalHostileConfig(t *testing.T) {
	kpt := testtool.Path(t, "kpt")
	const ciSecret = "ghp_NOT-A-REAL-TOKEN-but-a-ci-secret"
	outside := filepath.Join(t.TempDir(), "id_rsa")
	if err := os.WriteFile(outside, []byte(ciSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"file:/proc/self/environ", "file:../../.ssh/id_rsa", "file:link", "file:fifo", "env:GITHUB_TOKEN"} {
		t.Run(from, func(t *testing.T) {
			pkg := filepath.Join(copyExamples(t), "kpt")
			if err := os.Symlink(outside, filepath.Join(pkg, "link")); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(filepath.Join(pkg, "fifo"), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := filepath.Join(pkg, "acr-pull-secret.yaml")
			b := strings.Replace(mustRead(t, cfg), "passwordFrom: env:ACRGEN_PASSWORD", "passwordFrom: "+from, 1)
			if err := os.WriteFile(cfg, []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, pkg)
			done := make(chan result, 1)
			go func() {
				done <- runTool(t, pkg, toolEnv(t, "GITHUB_TOKEN="+ciSecret, "ACRGEN_PASSWORD="+testPassword), "", kpt,
					"fn", "eval", pkg, "--exec", acrgenBin(t)+" fn", "--fn-config", cfg)
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(60 * time.Second):
				t.Fatal("kpt fn eval did not finish: the function blocked")
			}
			if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "passwordFrom") {
				t.Errorf("want kpt to fail on acrgen's passwordFrom error, got %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, ciSecret) {
				t.Errorf("kpt's output holds the runner's secret:\n%s%s", r.stdout, r.stderr)
			}
			if diff := cmp.Diff(before, snapshot(t, pkg)); diff != "" {
				t.Errorf("the package changed:\n%s", diff)
			}
		})
	}
}
