package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acrgen/acrgen/internal/engine"
	"github.com/acrgen/acrgen/internal/tree"
)

// An unexpected panic, in acrgen's goroutine or in a worker goroutine it started, is an
// internal error: exit 70 (not 2, which says the input was bad), a report of the bug with the
// version, the command and its flag names, the panic and its stack, and nothing the panic
// value might quote (a file's bytes, a credential) unless the Go runtime made it.
func TestPanicIsAnInternalError(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "good.yaml"), goodDeployment)
	for _, c := range []struct {
		name  string
		panic func()
		want  string
	}{
		{"a value of acrgen's", func() { panic("decrypting " + testPassword) }, "panic: a value of type string (withheld"},
		{"the runtime's", func() { s, i := []int{1}, three(); s[i]++ }, "panic: runtime error: index out of range [3] with length 1"},
		{"in a worker goroutine", func() {
			tree.ForEach(8, func(i int) error {
				if i == 3 {
					panic(fmt.Errorf("parsing %s", testPassword))
				}
				return nil
			})
		}, "panic: a value of type *errors.errorString (withheld"},
	} {
		t.Run(c.name, func(t *testing.T) {
			writeTree = func(context.Context, *tree.Lock, *engine.Result) error { c.panic(); return nil }
			t.Cleanup(func() { writeTree = engine.Write })
			r := acrgen(t, "", nil, "patch", dir, "-r", "myregistry", "--secret-name=acr-secret")
			if r.code != exitInternal {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitInternal, r.stderr)
			}
			for _, w := range []string{"acrgen: internal error: this is a bug in acrgen", "command: acrgen patch -r --secret-name\n", c.want, "goroutine "} {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
				}
			}
			if strings.Contains(r.stderr, testPassword) || strings.Contains(r.stderr, dir) {
				t.Errorf("the report quotes the panic value or the command's values:\n%s", r.stderr)
			}
		})
	}
}

// three is 3, out of sight of static checks.
func three() int { return len("abc") }
