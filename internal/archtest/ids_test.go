package archtest

import (
	"go/ast"
	"go/constant"
	"go/types"
	"testing"

	"liftoff/access"
	"liftoff/settings"
)

// idTypes are the types that name settings and permissions, with the ids
// their tables define.
func idTypes() map[string]map[string]bool {
	sets := map[string]map[string]bool{
		"liftoff/settings/setting.ID": {},
		"liftoff/access/perm.ID":      {},
	}
	for _, s := range settings.Defaults() {
		sets["liftoff/settings/setting.ID"][s.ID] = true
	}
	for _, p := range access.DefaultPermissions() {
		sets["liftoff/access/perm.ID"][p.ID] = true
	}
	return sets
}

// TestNoLiteralIDs fails when code names a setting or a permission with a
// string literal instead of its constant (setting.X, perm.X), or names one
// that no default defines: every constant expression of type setting.ID or
// perm.ID must be one of the generated constants' values, and may not be
// written as a literal (nor converted from one).
func TestNoLiteralIDs(t *testing.T) {
	fset, pkgs := load(t)
	known := idTypes()
	checked := 0
	for _, p := range pkgs {
		for _, f := range p.Files {
			if isGenerated(f) {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				e, ok := n.(ast.Expr)
				if !ok {
					return true
				}
				tv, ok := p.Info.Types[e]
				if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
					return true
				}
				named, ok := types.Unalias(tv.Type).(*types.Named)
				if !ok || named.Obj().Pkg() == nil {
					return true
				}
				ids, ok := known[named.Obj().Pkg().Path()+"."+named.Obj().Name()]
				if !ok {
					return true
				}
				id := constant.StringVal(tv.Value)
				if id == "" {
					return false // "no setting", as a sentinel
				}
				checked++
				pos := fset.Position(e.Pos())
				if !ids[id] {
					t.Errorf("%s: %q is not a %s that the defaults define", pos, id, named.Obj().Name())
				}
				if lit := literalOf(e); lit {
					t.Errorf("%s: %q written as a literal; use its constant (%s package)", pos, id, named.Obj().Pkg().Name())
				}
				return false
			})
		}
	}
	if checked < 100 {
		t.Fatalf("only %d setting and permission names checked: is the scan broken?", checked)
	}
}

// literalOf reports whether e is a string literal, or a conversion of one
// (setting.ID("x")), possibly in parentheses.
func literalOf(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return literalOf(x.X)
	case *ast.CallExpr:
		return len(x.Args) == 1 && literalOf(x.Args[0])
	}
	return false
}
