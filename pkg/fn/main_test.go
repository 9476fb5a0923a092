package fn_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/testing/testtool"
)

// binDir holds the acrgen binary the end-to-end tests run: testtool.Acrgen's, built once for
// the sources and kept in the user's cache, so a run of this package's tests builds nothing
// when cmd/acrgen did not change.
var binDir string

// acrgenBin returns the acrgen binary (static, as the Dockerfile builds it); the directory
// holding it goes first on PATH for kustomize and kpt.
func acrgenBin(t *testing.T) string {
	t.Helper()
	bin := testtool.Acrgen(t)
	binDir = filepath.Dir(bin)
	return bin
}

// toolEnv is the environment of the tools the tests run: acrgen first on PATH, the test age
// key for sops, no password unless added, nothing of the developer's sops or acrgen settings.
func toolEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	acrgenBin(t)
	key, err := filepath.Abs(filepath.Join("testdata", "age-test-key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "SOPS_") || strings.HasPrefix(k, "ACRGEN_") || k == "PATH" || k == "KUSTOMIZE_PLUGIN_HOME" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"), "SOPS_AGE_KEY_FILE="+key)
	return append(env, extra...)
}
