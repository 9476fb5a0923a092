package depcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const (
	module    = "github.com/acrgen/acrgen"
	manifest  = module + "/pkg/manifest"
	secret    = module + "/pkg/secret"
	settings  = module + "/pkg/settings"
	yamledit  = module + "/pkg/yamledit"
	judge     = module + "/pkg/judge"
	fn        = module + "/pkg/fn"
	engine    = module + "/internal/engine"
	finding   = module + "/pkg/finding"
	encrypt   = module + "/pkg/encrypt"
	provision = module + "/pkg/provision"
	fakeazure = module + "/internal/testing/fakeazure"
	testing_  = module + "/internal/testing/"
	sops      = "github.com/getsops/sops/v3"
	// azureSDK is every package of the Azure SDK for Go and of MSAL. The management SDK
	// (armcontainerregistry, armauthorization), the azcore pipeline that Graph calls go
	// through, and azidentity's credentials are all provisioning's business, so no other
	// package of ours imports any of them; sops reaches Key Vault through its own imports.
	azureSDK = "github.com/Azure/"
	msal     = "github.com/AzureAD/"
	argoCD   = "github.com/argoproj/argo-cd/v3"
)

// pure are the packages of the pure core: the manifest model, the Secret's bytes, the
// settings, the YAML text editor, the decisions and the findings. Their callers hand them bytes
// and data; they do no I/O.
var pure = []string{manifest, secret, settings, yamledit, judge, finding}

// pkg is the part of `go list -json` the rules read, plus the qualified calls found in the
// package's own (non-test) source files.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string
	Deps       []string
	Standard   bool
	Calls      []string `json:"-"`
}

// rule is one boundary: check returns a line per violation, and bad is a graph that breaks it,
// so each rule is shown to be able to fail.
type rule struct {
	name  string
	check func(pkgs []pkg) []string
	bad   []pkg
}

var rules = []rule{
	{
		name: "the pure core (pkg/manifest, secret, settings, yamledit, judge, finding) imports no filesystem or network package",
		check: func(pkgs []pkg) []string {
			return importsMatching(pkgs, oneOf(pure...), func(imp string) bool {
				// net/url only parses strings: image references may be written as URLs.
				return imp == "os" || strings.HasPrefix(imp, "os/") || imp == "syscall" || imp == "io/ioutil" ||
					(imp == "net" || strings.HasPrefix(imp, "net/")) && imp != "net/url"
			})
		},
		bad: []pkg{{ImportPath: secret, Imports: []string{"fmt", "os"}}},
	},
	{
		name: "the pure core never reads the clock",
		check: func(pkgs []pkg) []string {
			var bad []string
			for _, p := range pkgs {
				if slices.Contains(pure, p.ImportPath) && slices.Contains(p.Calls, "time.Now") {
					bad = append(bad, p.ImportPath+" calls time.Now")
				}
			}
			return bad
		},
		bad: []pkg{{ImportPath: settings, Imports: []string{"time"}, Calls: []string{"time.Now"}}},
	},
	{
		name: "the pure core, pkg/fn and internal/engine link neither sops nor the Azure SDK",
		check: func(pkgs []pkg) []string {
			return depsMatching(pkgs, oneOf(append([]string{fn, engine}, pure...)...), hasPrefix(sops, azureSDK, msal, encrypt, provision))
		},
		bad: []pkg{{ImportPath: engine, Imports: []string{encrypt}, Deps: []string{manifest, encrypt, sops + "/aes"}}},
	},
	{
		name: "only pkg/encrypt imports sops",
		check: func(pkgs []pkg) []string {
			return importsMatching(pkgs, not(exactly(encrypt)), hasPrefix(sops))
		},
		bad: []pkg{{ImportPath: module + "/internal/engine", Imports: []string{sops + "/stores/yaml"}}},
	},
	{
		name: "only pkg/provision imports the Azure SDK",
		check: func(pkgs []pkg) []string {
			return importsMatching(pkgs, not(exactly(provision)), hasPrefix(azureSDK, msal))
		},
		bad: []pkg{{ImportPath: encrypt, Imports: []string{azureSDK + "azure-sdk-for-go/sdk/azidentity"}}},
	},
	{
		name: "nothing but test infrastructure links the fake Azure server",
		check: func(pkgs []pkg) []string {
			return depsMatching(pkgs, not(hasPrefix(testing_)), hasPrefix(fakeazure))
		},
		bad: []pkg{{ImportPath: module + "/cmd/acrgen", Imports: []string{provision}, Deps: []string{provision, fakeazure}}},
	},
	{
		// argo-cd is a very large module; its code serves only the tests that prove
		// internal/argocd against it (internal/testing/argoproof).
		name: "nothing but test infrastructure links argo-cd",
		check: func(pkgs []pkg) []string {
			return depsMatching(pkgs, not(hasPrefix(testing_)), hasPrefix(argoCD))
		},
		bad: []pkg{{ImportPath: module + "/internal/argocd", Imports: []string{argoCD + "/pkg/apis/application/v1alpha1"}, Deps: []string{argoCD + "/pkg/apis/application/v1alpha1"}}},
	},
}

func TestDependencyRules(t *testing.T) {
	pkgs := load(t)
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			for _, v := range r.check(pkgs) {
				t.Error(v)
			}
			if len(r.check(r.bad)) == 0 {
				t.Errorf("the rule passes a graph that breaks it: %+v", r.bad)
			}
		})
	}
}

// TestCallsFindsRenamedImports proves the clock scan sees through an import alias. A local
// variable named like an imported package counts as the package: a false alarm is safe.
func TestCallsFindsRenamedImports(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{`package x; import "time"; var _ = time.Now()`, []string{"time.Now"}},
		{`package x; import clock "time"; func f() { _ = clock.Now }`, []string{"time.Now"}},
		{`package x; import "time"; var _ = time.Unix(0, 0)`, []string{"time.Unix"}},
		{`package x; import "fmt"; var _ = fmt.Sprint()`, []string{"fmt.Sprint"}},
		{`package x; type c struct{ Now func() }; var v c; var _ = v.Now`, nil},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", tc.src, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := calls(f); !slices.Equal(got, tc.want) {
			t.Errorf("calls(%q) = %q, want %q", tc.src, got, tc.want)
		}
	}
}

// load lists every package of the module with its dependencies (tests excluded: a test may
// link what the code it tests must not) and scans our own packages' source for calls.
func load(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,Imports,Deps,Standard", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []pkg
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list output: %v", err)
		}
		if p.ImportPath == module || strings.HasPrefix(p.ImportPath, module+"/") {
			fset := token.NewFileSet()
			for _, name := range p.GoFiles {
				f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				p.Calls = append(p.Calls, calls(f)...)
			}
		}
		pkgs = append(pkgs, p)
	}
	for _, want := range pure {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return p.ImportPath == want }) {
			t.Fatalf("go list did not list %s", want)
		}
	}
	return pkgs
}

// calls returns the package-qualified functions a file refers to, as "importpath.Name".
func calls(f *ast.File) []string {
	names := map[string]string{} // local name -> import path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		names[name] = path
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok {
			if path, ok := names[id.Name]; ok {
				out = append(out, path+"."+sel.Sel.Name)
			}
		}
		return true
	})
	return out
}

func importsMatching(pkgs []pkg, who, banned func(string) bool) []string {
	var bad []string
	for _, p := range pkgs {
		if !ours(p) || !who(p.ImportPath) {
			continue
		}
		for _, imp := range p.Imports {
			if banned(imp) {
				bad = append(bad, p.ImportPath+" imports "+imp)
			}
		}
	}
	return bad
}

func depsMatching(pkgs []pkg, who, banned func(string) bool) []string {
	var bad []string
	for _, p := range pkgs {
		if !ours(p) || !who(p.ImportPath) {
			continue
		}
		for _, dep := range p.Deps {
			if banned(dep) {
				bad = append(bad, p.ImportPath+" links "+dep)
			}
		}
	}
	return bad
}

func ours(p pkg) bool { return !p.Standard && strings.HasPrefix(p.ImportPath, module+"/") }

func exactly(path string) func(string) bool { return func(s string) bool { return s == path } }

func oneOf(paths ...string) func(string) bool {
	return func(s string) bool { return slices.Contains(paths, s) }
}

func not(f func(string) bool) func(string) bool { return func(s string) bool { return !f(s) } }

func hasPrefix(prefixes ...string) func(string) bool {
	return func(s string) bool {
		return slices.ContainsFunc(prefixes, func(p string) bool { return s == p || strings.HasPrefix(s, p) })
	}
}
