package e2e

import (
	"path/filepath"
	"testing"

	"github.com/acrgen/acrgen/internal/scaffold"
	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// pre-commit itself accepts this repository's hook manifest and the .pre-commit-config.yaml
// `acrgen init` writes.
func TestPreCommitAcceptsTheConfigs(t *testing.T) {
	preCommit := testtool.Path(t, "pre-commit")
	root := testtool.RepoRoot(t)
	env := gitEnv()
	must(t, root, env, preCommit, "validate-manifest", filepath.Join(root, ".pre-commit-hooks.yaml"))

	files, err := scaffold.Render(scaffold.Options{Registry: "myregistry", Age: []string{"age1tx96jkhar65v2mj9eh80p9yx6pe2p70xdkzn4yhsukm5fv64w5xsfsc3x9"}, Version: "v1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := scaffold.Write(dir, files, false); err != nil {
		t.Fatal(err)
	}
	must(t, dir, env, preCommit, "validate-config", filepath.Join(dir, ".pre-commit-config.yaml"))
}
