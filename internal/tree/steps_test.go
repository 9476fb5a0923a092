package tree

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// loadSteps are the loader's files in the order a load runs through them, the helpers every
// step shares first: resolving paths, reading, parsing a kustomization (with its patches),
// walking, the prefilter, parsing the manifests, layering, and Load itself.
var loadSteps = []string{
	"errors.go", "load_parallel.go", "cache.go",
	"resolve.go", "read.go", "patches.go", "kustomization.go", "walk.go",
	"prefilter.go", "parse.go", "layer.go", "tree.go",
}

// A reader follows one load in one direction: a step calls the functions of the steps before
// it (and of its own file), never one of a later step, which would climb back up into its
// caller.
func TestLoadStepsCallDownward(t *testing.T) {
	fset := token.NewFileSet()
	rank := map[string]int{}
	var files []*ast.File
	for i, name := range loadSteps {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		rank[name] = i
		files = append(files, f)
	}
	// The package is checked alone: what it imports is left undeclared, which is enough to
	// resolve every call of its own functions and methods.
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: emptyImporter{}, Error: func(error) {}}
	pkg, _ := conf.Check("github.com/acrgen/acrgen/internal/tree", fset, files, info)
	var up []string
	calls := 0
	for id, obj := range info.Uses {
		fn, ok := obj.(*types.Func)
		if !ok || fn.Pkg() != pkg {
			continue
		}
		calls++
		from, to := fset.Position(id.Pos()), fset.Position(fn.Pos())
		if rank[to.Filename] > rank[from.Filename] {
			up = append(up, from.String()+": "+fn.Name()+" of "+to.Filename)
		}
	}
	sort.Strings(up)
	if calls < 50 {
		t.Fatalf("only %d uses of the package's own functions resolved: the check shows nothing", calls)
	}
	if len(up) > 0 {
		t.Errorf("%d calls climb back up to a later step of the load (move the callee down, or the caller up):\n%s", len(up), strings.Join(up, "\n"))
	}
	// Every file of the loader has its place in the order.
	all, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	writer := map[string]bool{"write.go": true, "lock.go": true, "durable.go": true, "durable_linux.go": true, "durable_other.go": true,
		"flock_unix.go": true, "flock_other.go": true, "doc.go": true}
	for _, name := range all {
		if _, ok := rank[name]; !ok && !strings.HasSuffix(name, "_test.go") && !writer[name] {
			t.Errorf("%s is in no step of the load: add it to loadSteps, or to the writer's files", name)
		}
	}
}

// emptyImporter imports every package as an empty one.
type emptyImporter struct{}

func (emptyImporter) Import(p string) (*types.Package, error) {
	pkg := types.NewPackage(p, path.Base(p))
	pkg.MarkComplete()
	return pkg, nil
}
