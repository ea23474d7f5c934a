package auth_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditActionsAreConstants checks that every audit row names its action
// by a models.Action* constant (never a literal), and that every such constant
// is written somewhere, so the list in models/activity.go is the whole set.
func TestAuditActionsAreConstants(t *testing.T) {
	declared := map[string]bool{}
	mf, err := parser.ParseFile(token.NewFileSet(), "../../models/activity.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range mf.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				for _, n := range s.(*ast.ValueSpec).Names {
					if strings.HasPrefix(n.Name, "Action") {
						declared[n.Name] = false
					}
				}
			}
		}
	}
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || len(call.Args) < 2 || !map[string]bool{"audit": true, "auditItem": true, "activity": true}[fn.Sel.Name] {
				return true
			}
			arg := call.Args[1] // audit(ctx, action, …), auditItem(ctx, action, …)
			if fn.Sel.Name == "activity" {
				arg = call.Args[0] // activity(action, …)
			}
			if id, ok := arg.(*ast.Ident); ok && id.Name == "action" {
				return true // the helpers passing their own parameter on
			}
			sel, ok := arg.(*ast.SelectorExpr)
			if ok {
				x, isIdent := sel.X.(*ast.Ident)
				ok = isIdent && x.Name == "models" && strings.HasPrefix(sel.Sel.Name, "Action")
			}
			if !ok {
				t.Errorf("%s: %s names its action without a models.Action constant", fset.Position(call.Pos()), fn.Sel.Name)
				return true
			}
			if _, known := declared[sel.Sel.Name]; !known {
				t.Errorf("%s: models.%s is not declared in models/activity.go", fset.Position(call.Pos()), sel.Sel.Name)
			}
			declared[sel.Sel.Name] = true
			return true
		})
	}
	for name, used := range declared {
		if !used {
			t.Errorf("models.%s is never written by internal/auth", name)
		}
	}
}
