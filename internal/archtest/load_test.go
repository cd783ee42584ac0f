package archtest

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// modulePath is the module whose packages the rules apply to.
const modulePath = "liftoff"

// pkg is one package of the module, parsed and type-checked from source
// (test files left out: tests may probe unknown ids on purpose).
type pkg struct {
	Path    string
	Dir     string
	Imports []string
	Files   []*ast.File
	Info    *types.Info
	Types   *types.Package
}

type listed struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
	Imports    []string
	Module     *struct{ Path string }
	Standard   bool
}

var (
	loadOnce sync.Once
	loadFset *token.FileSet
	loaded   []*pkg
	loadErr  error
)

// load type-checks every package of the module once per test binary.
// Imports come from the compiler's export data (go list -export), so
// only the module's own sources are parsed.
func load(t *testing.T) (*token.FileSet, []*pkg) {
	t.Helper()
	loadOnce.Do(func() { loadFset, loaded, loadErr = loadModule() })
	if loadErr != nil {
		t.Fatal(loadErr)
	}
	return loadFset, loaded
}

func loadModule() (*token.FileSet, []*pkg, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command("go", "list", "-e", "-export", "-deps", "-json", modulePath+"/...")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, nil, &listError{err: err, stderr: stderr.String()}
	}
	exports := map[string]string{}
	var own []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var l listed
		if err := dec.Decode(&l); err != nil {
			return nil, nil, err
		}
		exports[l.ImportPath] = l.Export
		if l.Module != nil && l.Module.Path == modulePath {
			own = append(own, l)
		}
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, &missingExport{path}
		}
		return os.Open(f)
	})
	var pkgs []*pkg
	for _, l := range own {
		p := &pkg{Path: l.ImportPath, Dir: l.Dir, Imports: l.Imports}
		for _, name := range l.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(l.Dir, name), nil, parser.ParseComments)
			if err != nil {
				return nil, nil, err
			}
			p.Files = append(p.Files, f)
		}
		p.Info = &types.Info{
			Types: map[ast.Expr]types.TypeAndValue{},
			Uses:  map[*ast.Ident]types.Object{},
			Defs:  map[*ast.Ident]types.Object{},
		}
		conf := types.Config{Importer: imp}
		if p.Types, err = conf.Check(l.ImportPath, fset, p.Files, p.Info); err != nil {
			return nil, nil, err
		}
		pkgs = append(pkgs, p)
	}
	return fset, pkgs, nil
}

// moduleRoot is the directory of the module's go.mod, above this package.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

type listError struct {
	err    error
	stderr string
}

func (e *listError) Error() string {
	return "go list: " + e.err.Error() + ": " + strings.TrimSpace(e.stderr)
}

type missingExport struct{ path string }

func (e *missingExport) Error() string { return "no export data for " + e.path }

// isGenerated reports whether f carries the standard "Code generated ...
// DO NOT EDIT." line.
func isGenerated(f *ast.File) bool {
	for _, c := range f.Comments {
		for _, l := range c.List {
			if strings.HasPrefix(l.Text, "// Code generated ") && strings.HasSuffix(l.Text, " DO NOT EDIT.") {
				return true
			}
		}
	}
	return false
}
