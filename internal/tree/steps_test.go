package tree

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path"
	"sort"
	"strings"
	"testing"
)

// loadSteps are the loader's files in the order a load runs through them, the helpers every
// step shares first: reading, the repository's edge, resolving paths, parsing a kustomization
// (with its patches), walking, the prefilter, parsing the manifests, layering, and Load itself.
var loadSteps = []string{
	"errors.go", "load_parallel.go", "cache.go",
	"read.go", "gittop.go", "resolve.go", "patches.go", "kustomization.go", "ksops.go", "walk.go",
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
	// The loader's files are checked alone: what they import is left undeclared, which is
	// enough to resolve every call of their own functions and methods. What they use of
	// another file of the package is undeclared too: that file belongs in loadSteps.
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	var elsewhere []string
	conf := types.Config{Importer: emptyImporter{}, Error: func(err error) {
		msg := err.(types.Error).Msg
		if name, ok := strings.CutPrefix(msg, "undefined: "); ok && !strings.Contains(name, ".") || strings.Contains(msg, "has no field or method") {
			elsewhere = append(elsewhere, err.Error())
		}
	}}
	pkg, _ := conf.Check("github.com/acrgen/acrgen/internal/tree", fset, files, info)
	if len(elsewhere) > 0 {
		t.Errorf("the loader uses what a file outside loadSteps declares (add that file to loadSteps, in its place):\n%s", strings.Join(elsewhere, "\n"))
	}
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
}

// emptyImporter imports every package as an empty one.
type emptyImporter struct{}

func (emptyImporter) Import(p string) (*types.Package, error) {
	pkg := types.NewPackage(p, path.Base(p))
	pkg.MarkComplete()
	return pkg, nil
}
