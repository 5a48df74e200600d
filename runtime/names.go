package runtime

import (
	"go/ast"
	"go/token"
)

// freeNames returns the identifiers that n uses but does not declare
// itself: the globals and packages it depends on. It leaves out field and
// method names (after a dot, in struct types and composite-literal keys) and
// every name declared inside n. The result over-approximates when a local
// shadows a global in one block only, which is harmless: it can only make a
// dependent declaration be compiled again.
func freeNames(n ast.Node) map[string]bool {
	used := map[string]bool{}
	eachRef(n, func(id *ast.Ident) { used[id.Name] = true })
	ast.Inspect(n, func(n ast.Node) bool {
		for _, name := range localNames(n) {
			delete(used, name)
		}
		return true
	})
	return used
}

// localNames returns the names that node n declares inside a declaration:
// parameters and fields, := and range variables, local vars and types.
func localNames(n ast.Node) []string {
	var names []string
	idents := func(list []*ast.Ident) {
		for _, id := range list {
			names = append(names, id.Name)
		}
	}
	exprs := func(list ...ast.Expr) {
		for _, e := range list {
			if id, ok := e.(*ast.Ident); ok {
				names = append(names, id.Name)
			}
		}
	}
	switch x := n.(type) {
	case *ast.Field:
		idents(x.Names)
	case *ast.AssignStmt:
		if x.Tok == token.DEFINE {
			exprs(x.Lhs...)
		}
	case *ast.RangeStmt:
		if x.Tok == token.DEFINE {
			exprs(x.Key, x.Value)
		}
	case *ast.ValueSpec:
		idents(x.Names)
	case *ast.TypeSpec:
		names = append(names, x.Name.Name)
	}
	return names
}

// eachRef calls visit for every identifier in n that refers to a declared
// name: not a field or method name after a dot, in a struct or interface
// type, or as a composite-literal key; not a label; not a declared func's
// own name.
func eachRef(n ast.Node, visit func(*ast.Ident)) {
	skip := map[*ast.Ident]bool{}
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.SelectorExpr:
			skip[x.Sel] = true
		case *ast.Field:
			for _, id := range x.Names {
				skip[id] = true
			}
		case *ast.KeyValueExpr:
			if id, ok := x.Key.(*ast.Ident); ok {
				skip[id] = true
			}
		case *ast.LabeledStmt:
			skip[x.Label] = true
		case *ast.BranchStmt:
			if x.Label != nil {
				skip[x.Label] = true
			}
		case *ast.FuncDecl:
			skip[x.Name] = true
		case *ast.Ident:
			if !skip[x] {
				visit(x)
			}
		}
		return true
	})
}

// packageRefs returns the names used as X in X.Sel that no declaration in
// the parsed pieces of a cell resolves: candidates for packages to import.
func packageRefs(nodes []ast.Node) map[string]bool {
	refs := map[string]bool{}
	for _, n := range nodes {
		ast.Inspect(n, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
					refs[id.Name] = true
				}
			}
			return true
		})
	}
	return refs
}

// renameRefs renames every use of the identifier from as to in n, leaving
// field names and selections alone.
func renameRefs(n ast.Node, from, to string) {
	eachRef(n, func(id *ast.Ident) {
		if id.Name == from {
			id.Name = to
		}
	})
}

// definedNames returns the package-level names that a parsed declaration or
// top-level statement introduces.
func definedNames(n ast.Node) []string {
	var names []string
	switch x := n.(type) {
	case *ast.GenDecl:
		for _, spec := range x.Specs {
			switch s := spec.(type) {
			case *ast.ValueSpec:
				for _, id := range s.Names {
					names = append(names, id.Name)
				}
			case *ast.TypeSpec:
				names = append(names, s.Name.Name)
			}
		}
	case *ast.FuncDecl:
		if x.Recv == nil {
			names = append(names, x.Name.Name)
		}
	case *ast.DeclStmt:
		return definedNames(x.Decl)
	case *ast.AssignStmt:
		if x.Tok == token.DEFINE {
			for _, e := range x.Lhs {
				if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
					names = append(names, id.Name)
				}
			}
		}
	}
	return names
}

// receiverType returns the base type name of a method's receiver.
func receiverType(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return ""
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.ParenExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// DeclaredNames returns the package-level names that cell source declares:
// its var, const, type and func declarations and its := definitions, in
// order. A piece of the cell that does not parse declares nothing.
func DeclaredNames(src string) []string {
	var names []string
	for _, it := range splitItems(src) {
		names = append(names, namesIn(src[it.start:it.end])...)
	}
	return names
}

// namesIn returns the names a piece of cell source declares at top level.
func namesIn(src string) []string {
	fset := token.NewFileSet()
	if stmts, _, err := parseStmts(fset, "p", 1, 1, src); err == nil {
		var names []string
		for _, st := range stmts {
			names = append(names, definedNames(st)...)
		}
		return names
	}
	if d, _, err := parseDecl(fset, "p", 1, 1, "", src); err == nil {
		return definedNames(d)
	}
	return nil
}
