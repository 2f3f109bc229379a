package desk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestChangesInsideTransactionsCannotReachThePool reads the desk's own
// source and fails when a change handed to the store to run inside a write
// transaction (the func literals given to CreateTicketWith and
// UpdateTicketWith), or any method it calls, could reach the connection
// pool: by using a context (every pool method takes one) or a store field.
// Such a change holds one connection and asks for another; a burst wider
// than the pool then deadlocks. Changes read through the Tx they are given.
func TestChangesInsideTransactionsCannotReachThePool(t *testing.T) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]*ast.FuncDecl{} // Service methods and package funcs by name
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				methods[fd.Name.Name] = fd
			}
		}
		// No context may be made up in the domain: a change without a ctx
		// parameter must not be able to conjure one.
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "context" && (sel.Sel.Name == "Background" || sel.Sel.Name == "TODO") {
					t.Errorf("%s: context.%s in the domain", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
	storeFields := map[string]bool{"tickets": true, "accounts": true, "messages": true}
	takesContext := func(fd *ast.FuncDecl) bool {
		for _, p := range fd.Type.Params.List {
			if sel, ok := p.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "Context" {
				return true
			}
		}
		return false
	}
	// check walks a change's body and the methods it calls.
	seen := map[string]bool{}
	var check func(where string, body ast.Node)
	check = func(where string, body ast.Node) {
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Ident:
				if n.Name == "ctx" {
					t.Errorf("%s: %s uses ctx inside a write transaction", fset.Position(n.Pos()), where)
				}
			case *ast.SelectorExpr:
				if storeFields[n.Sel.Name] {
					t.Errorf("%s: %s reaches the store (%s) inside a write transaction", fset.Position(n.Pos()), where, n.Sel.Name)
				}
			case *ast.CallExpr:
				name := ""
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				if fd, ok := methods[name]; ok && !seen[name] {
					seen[name] = true
					if takesContext(fd) {
						t.Errorf("%s: %s calls %s, which takes a context, inside a write transaction", fset.Position(n.Pos()), where, name)
					}
					check(name, fd.Body)
				}
			}
			return true
		})
	}
	changes := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			// createTicket's extension hook runs inside its transaction too.
			if !ok || (sel.Sel.Name != "CreateTicketWith" && sel.Sel.Name != "UpdateTicketWith" && sel.Sel.Name != "createTicket") {
				return true
			}
			for _, a := range call.Args {
				switch a := a.(type) {
				case *ast.FuncLit:
					changes++
					check("the change given to "+sel.Sel.Name+" at "+fset.Position(a.Pos()).String(), a.Body)
				case *ast.Ident:
					// A named change (a variable or func) is checked where it is defined.
				}
			}
			return true
		})
	}
	if changes < 5 {
		t.Fatalf("found only %d changes run inside transactions; the check is not seeing the code", changes)
	}
}
