package runtime

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/cell"
)

// runCode runs one code segment of a cell: imports, then declarations, then
// statements in order. The value of a final expression is the result.
func (s *Session) runCode(ctx context.Context, name, src string) cell.Outcome {
	items := splitItems(src)
	if len(items) == 0 {
		return cell.Outcome{}
	}
	s.file = name
	fset := s.in.FileSet()

	var (
		imports []*ast.ImportSpec
		ds      = declSet{file: name, nodes: map[*decl]ast.Node{}}
		blocks  [][]ast.Stmt
		nodes   []ast.Node
	)
	seenStmt := false
	for i := 0; i < len(items); i++ {
		it := items[i]
		line, col := lineCol(src, it.start)
		if it.kind == itemStmt || seenStmt && (it.kind == itemVar || it.kind == itemConst) {
			// A run of statements parses as one block.
			j := i
			for j+1 < len(items) && (items[j+1].kind == itemStmt || items[j+1].kind == itemVar || items[j+1].kind == itemConst) {
				j++
			}
			stmts, _, err := parseStmts(fset, name, line, col, src[it.start:items[j].end])
			if err != nil {
				return cell.Outcome{Err: syntaxError(err, src)}
			}
			for _, st := range stmts {
				nodes = append(nodes, st)
			}
			blocks = append(blocks, stmts)
			seenStmt = true
			i = j
			continue
		}
		node, p, err := parseDecl(fset, name, line, col, "", src[it.start:it.end])
		if err != nil {
			return cell.Outcome{Err: syntaxError(err, src)}
		}
		nodes = append(nodes, node)
		switch n := node.(type) {
		case *ast.GenDecl:
			switch n.Tok {
			case token.IMPORT:
				for _, spec := range n.Specs {
					imports = append(imports, spec.(*ast.ImportSpec))
				}
			case token.TYPE:
				for _, spec := range n.Specs {
					d := newDecl(fset, spec, p.text(spec))
					ds.decls = append(ds.decls, d)
					ds.nodes[d] = spec
				}
			default:
				ds.values = append(ds.values, n)
			}
		case *ast.FuncDecl:
			d := newDecl(fset, n, p.text(n))
			ds.decls = append(ds.decls, d)
			ds.nodes[d] = n
		}
	}

	if err := s.importAll(imports, nodes); err != nil {
		return cell.Outcome{Err: err}
	}
	if len(ds.decls) > 0 || len(ds.values) > 0 {
		if err := s.declare(ctx, ds); err != nil {
			return cell.Outcome{Err: err}
		}
	}
	var res cell.Outcome
	for bi, stmts := range blocks {
		v, err := s.runStmts(ctx, name, stmts, bi == len(blocks)-1 && items[len(items)-1].kind == itemStmt)
		if err != nil {
			return cell.Outcome{Err: err}
		}
		res.Value = v
	}
	if len(blocks) == 0 || items[len(items)-1].kind != itemStmt {
		res.Value = nil
	}
	return res
}

// importAll imports what the cell imports and the packages it uses without
// importing them. A package imported before is not imported again.
func (s *Session) importAll(specs []*ast.ImportSpec, nodes []ast.Node) *cell.Error {
	st := s.state
	type imp struct{ name, path string }
	var want []imp
	for _, spec := range specs {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return errorf("SyntaxError", "bad import path %s", spec.Path.Value)
		}
		if _, ok := s.pkgs.byPath[p]; !ok {
			return errorf("ImportError", "package %q is not available: %s", p, s.pkgs.importable())
		}
		name := s.pkgs.names[p]
		if spec.Name != nil {
			name = spec.Name.Name
		}
		want = append(want, imp{name, p})
	}
	defined := map[string]bool{}
	for _, n := range nodes {
		for _, name := range definedNames(n) {
			defined[name] = true
		}
	}
	var unknown []string
	for ref := range packageRefs(nodes) {
		if defined[ref] || st.known(ref) {
			continue
		}
		if p, ok := s.pkgs.byName[ref]; ok {
			want = append(want, imp{ref, p})
			continue
		}
		unknown = append(unknown, ref)
	}
	if len(unknown) > 0 {
		// yaegi's own complaint about x.F with x unknown can be a nil
		// pointer or a "definition loop": say what is missing instead.
		slices.Sort(unknown)
		return errorf("CompileError", "undefined: %s (in %s): it is neither a name of this notebook nor a package that cells can import; %s",
			unknown[0], firstSelection(nodes, unknown[0]), s.pkgs.importable())
	}
	for _, w := range want {
		switch {
		case w.name == "_":
			continue
		case w.name == ".":
			return errorf("ImportError", "dot imports are not supported in cells: import %q and write its name before each use", w.path)
		}
		if old, ok := st.imported[w.name]; ok {
			if old == w.path {
				continue
			}
			return errorf("ImportError", "%s already names package %q in this notebook; import %q under another name, as in: import %s2 %q", w.name, old, w.path, w.name, w.path)
		}
		if st.globals[w.name] || st.decls[w.name] != nil {
			return errorf("ImportError", "%s is a variable or declaration of this notebook; import %q under another name, as in: import %s2 %q", w.name, w.path, w.name, w.path)
		}
		st.imported[w.name] = w.path
	}
	return s.importInto(s.file)
}

// firstSelection returns the first x.Sel in nodes, as text.
func firstSelection(nodes []ast.Node, x string) string {
	found := x + ".…"
	for _, n := range nodes {
		ast.Inspect(n, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == x && strings.HasSuffix(found, "…") {
					found = x + "." + sel.Sel.Name
				}
			}
			return strings.HasSuffix(found, "…")
		})
	}
	return found
}

// importInto makes every package the notebook imported visible in a cell
// file.
func (s *Session) importInto(file string) *cell.Error {
	st := s.state
	done := st.files[file]
	if done == nil {
		done = map[string]bool{}
		st.files[file] = done
	}
	var b strings.Builder
	var names []string
	for name, path := range st.imported {
		if !done[name] {
			fmt.Fprintf(&b, "\t%s %q\n", name, path)
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	f, err := parser.ParseFile(s.in.FileSet(), file, "package main\nimport (\n"+b.String()+")", 0)
	if err != nil {
		return errorf("ImportError", "%v", err)
	}
	prog, err := s.compile(f)
	if err == nil {
		_, err = s.execute(prog)
	}
	if err != nil {
		return errorf("ImportError", "%v", err)
	}
	for _, n := range names {
		done[n] = true
	}
	return nil
}

// runStmts runs top-level statements. An assignment x := v to an existing
// global becomes x = v, so that the variable stays the one that funcs
// already use; when that does not compile (v has another type), x becomes a
// new variable and the funcs that use it are compiled again. With last, the
// value of a final expression statement is returned.
func (s *Session) runStmts(ctx context.Context, name string, stmts []ast.Stmt, last bool) (*display.Bundle, *cell.Error) {
	st := s.state
	var group []ast.Stmt
	flush := func() *cell.Error {
		if len(group) == 0 {
			return nil
		}
		g := group
		group = nil
		_, err := s.runBlock(ctx, g)
		return err
	}
	for i, stmt := range stmts {
		wrapped := wrapIfNeeded(stmt)
		final := last && i == len(stmts)-1 && wrapped == stmt
		stmt = wrapped
		if a, ok := stmt.(*ast.AssignStmt); ok && a.Tok == token.DEFINE && allGlobals(a, st) {
			if err := flush(); err != nil {
				return nil, err
			}
			a.Tok = token.ASSIGN
			prog, cerr := s.compile(s.block(a))
			if cerr == nil {
				if _, err := s.run(ctx, prog); err != nil {
					return nil, s.runError(err)
				}
				continue
			}
			a.Tok = token.DEFINE
			if _, err := s.runBlock(ctx, []ast.Stmt{a}); err != nil {
				return nil, err
			}
			if err := s.redeclared(ctx, definedNames(a)); err != nil {
				return nil, err
			}
			continue
		}
		if final {
			if es, ok := stmt.(*ast.ExprStmt); ok {
				if err := flush(); err != nil {
					return nil, err
				}
				return s.evalResult(ctx, es)
			}
		}
		redefines := false
		for _, n := range definedNames(stmt) {
			redefines = redefines || st.globals[n]
		}
		group = append(group, stmt)
		if redefines {
			if err := flush(); err != nil {
				return nil, err
			}
			var names []string
			for _, n := range definedNames(stmt) {
				if st.globals[n] {
					names = append(names, n)
				}
			}
			if err := s.redeclared(ctx, names); err != nil {
				return nil, err
			}
		}
		for _, n := range definedNames(stmt) {
			st.globals[n] = true
		}
	}
	return nil, flush()
}

// wrapIfNeeded works around two yaegi v0.16.1 bugs at the top level of a
// cell, inside a block: a multi-value := from a call (`for … { n, err :=
// f() }`) fails with "undefined: n", and a := that reads the name it
// declares (`x := x`, the copy of a loop variable) gives the new variable
// the zero value, so `for i := 0; i < 3; i++ { i := i … }` never ends.
// Inside a function both work, so such a statement runs as the body of a
// function literal called at once; a compound statement declares nothing
// outside itself, so nothing changes.
func wrapIfNeeded(stmt ast.Stmt) ast.Stmt {
	switch stmt.(type) {
	case *ast.ForStmt, *ast.RangeStmt, *ast.IfStmt, *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt, *ast.BlockStmt, *ast.LabeledStmt:
	default:
		return stmt
	}
	found := false
	ast.Inspect(stmt, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.AssignStmt:
			if x.Tok == token.DEFINE && (len(x.Lhs) > 1 && len(x.Rhs) == 1 || shadowsItself(x)) {
				found = true
			}
		}
		return !found
	})
	if !found {
		return stmt
	}
	pos := stmt.Pos()
	lit := &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{stmt}, Rbrace: stmt.End()},
	}
	return &ast.ExprStmt{X: &ast.CallExpr{Fun: lit, Lparen: stmt.End(), Rparen: stmt.End()}}
}

// shadowsItself reports whether a := declares a name that its right side
// reads, as `x := x` or `n := n + 1` does.
func shadowsItself(a *ast.AssignStmt) bool {
	names := map[string]bool{}
	for _, e := range a.Lhs {
		if id, ok := e.(*ast.Ident); ok && id.Name != "_" {
			names[id.Name] = true
		}
	}
	found := false
	for _, e := range a.Rhs {
		ast.Inspect(e, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				ast.Inspect(x.X, func(n ast.Node) bool {
					id, ok := n.(*ast.Ident)
					found = found || ok && names[id.Name]
					return !found
				})
				return false // x.Sel names a field or method, not a variable
			case *ast.Ident:
				found = found || names[x.Name]
			}
			return !found
		})
	}
	return found
}

func allGlobals(a *ast.AssignStmt, st *state) bool {
	for _, e := range a.Lhs {
		id, ok := e.(*ast.Ident)
		if !ok || id.Name == "_" || !st.globals[id.Name] {
			return false
		}
	}
	return true
}

// redeclared recompiles what uses globals that became new variables.
func (s *Session) redeclared(ctx context.Context, names []string) *cell.Error {
	if len(names) == 0 {
		return nil
	}
	ch := map[string]bool{}
	for _, n := range names {
		ch[n] = true
	}
	return s.declare(ctx, declSet{file: s.file, changed: ch, nodes: map[*decl]ast.Node{}})
}

// block makes statements of the running cell a tree that CompileAST runs
// in the global scope.
func (s *Session) block(stmts ...ast.Stmt) *ast.BlockStmt {
	return &ast.BlockStmt{Lbrace: s.anchor(s.file), List: stmts, Rbrace: stmts[len(stmts)-1].End()}
}

// anchor returns a position in the cell file, placed before any line
// directive so that it names the file itself: yaegi takes the file of a
// tree from its root.
func (s *Session) anchor(file string) token.Pos {
	if p, ok := s.state.anchors[file]; ok {
		return p
	}
	f, err := parser.ParseFile(s.in.FileSet(), file, "package main", 0)
	if err != nil {
		return token.NoPos
	}
	s.state.anchors[file] = f.Package
	return f.Package
}

func (s *Session) runBlock(ctx context.Context, stmts []ast.Stmt) (reflect.Value, *cell.Error) {
	for _, stmt := range stmts {
		for _, n := range definedNames(stmt) {
			defer func() { s.state.globals[n] = true }()
		}
	}
	prog, err := s.compile(s.block(stmts...))
	if err != nil && typeAnalysisFailed(err) {
		// Try each statement alone, and a define that yaegi cannot type by
		// the type of its value.
		if len(stmts) > 1 {
			var v reflect.Value
			for _, st := range stmts {
				var e *cell.Error
				if v, e = s.runBlock(ctx, []ast.Stmt{st}); e != nil {
					return v, e
				}
			}
			return v, nil
		}
		if a, ok := stmts[0].(*ast.AssignStmt); ok && a.Tok == token.DEFINE {
			if ok, e := s.defineByValue(ctx, a); ok {
				return reflect.Value{}, e
			}
		}
	}
	if err != nil {
		return reflect.Value{}, compileError(err)
	}
	v, err := s.run(ctx, prog)
	if err != nil {
		return reflect.Value{}, s.runError(err)
	}
	return v, nil
}

// typeAnalysisFailed recognises yaegi v0.16.1's failures to type a global
// define whose value comes from an element of a compiled slice type
// (p := chunks[0], ids := chunks[1].IDs): "constant definition loop",
// "variable definition loop", or a nil pointer panic.
func typeAnalysisFailed(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "definition loop") || strings.Contains(msg, "interpreter (yaegi) failed")
}

// defineByValue runs x, y := a, b by evaluating each value into an
// interface, declaring each variable with the value's type, and setting
// it. It reports false when the statement is not of that form.
func (s *Session) defineByValue(ctx context.Context, a *ast.AssignStmt) (bool, *cell.Error) {
	if len(a.Lhs) != len(a.Rhs) {
		return false, nil
	}
	values := make([]reflect.Value, len(a.Rhs))
	for i, rhs := range a.Rhs {
		id, ok := a.Lhs[i].(*ast.Ident)
		if !ok || id.Name == "_" {
			return false, nil
		}
		pos := rhs.Pos()
		wrap := &ast.CallExpr{Fun: &ast.FuncLit{
			Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{}, Results: &ast.FieldList{List: []*ast.Field{{Type: ast.NewIdent("any")}}}},
			Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ReturnStmt{Return: pos, Results: []ast.Expr{rhs}}}, Rbrace: rhs.End()},
		}, Lparen: rhs.End(), Rparen: rhs.End()}
		prog, err := s.compile(s.block(&ast.ExprStmt{X: wrap}))
		if err != nil {
			return false, nil
		}
		v, err := s.run(ctx, prog)
		if err != nil {
			return true, s.runError(err)
		}
		if v.Kind() == reflect.Interface {
			v = v.Elem()
		}
		if !v.IsValid() {
			return false, nil
		}
		values[i] = v
	}
	for i, v := range values {
		name := a.Lhs[i].(*ast.Ident).Name
		decl := fmt.Sprintf("var %s %s", name, v.Type().String())
		stmts, _, err := parseStmts(s.in.FileSet(), s.file, 1, 1, decl)
		if err != nil {
			return false, nil
		}
		prog, err := s.compile(s.block(stmts...))
		if err != nil {
			return false, nil
		}
		if _, err := s.run(ctx, prog); err != nil {
			return true, s.runError(err)
		}
		g, ok := s.globals()[name]
		if !ok || !g.CanSet() || !v.Type().AssignableTo(g.Type()) {
			return true, errorf("CompileError", "%s := …: the interpreter could not declare %s with the value's type %s", name, name, v.Type())
		}
		g.Set(v)
		s.state.globals[name] = true
	}
	return true, nil
}

// compile compiles a tree. yaegi panics on some valid code (a nil pointer
// in its type analysis); the panic becomes an error, so that no cell can
// bring the kernel down. A failed compilation may leave globals without
// their slot in the interpreter's frame; compile gives it to them.
func (s *Session) compile(n ast.Node) (prog *interp.Program, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the interpreter (yaegi) failed on this code: %v; writing the statement another way, such as in two statements, usually avoids it", r)
		}
		if err != nil {
			s.growFrame()
		}
	}()
	s.goRewriter().rewrite(n)
	return s.in.CompileAST(n)
}

// execute runs a program outside the interrupt machinery (for imports and
// for a callee's type), turning a panic into an error.
func (s *Session) execute(prog *interp.Program) (v reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the interpreter (yaegi) failed: %v", r)
		}
	}()
	return s.in.Execute(prog)
}

// compileError is yaegi's complaint about a cell's code.
func compileError(err error) *cell.Error {
	msg := err.Error()
	tb := []string{}
	if m := errPos.FindStringSubmatch(msg); m != nil {
		tb = append(tb, fmt.Sprintf("  %s, line %s", m[1], m[2]))
	}
	tb = append(tb, red("CompileError")+": "+msg)
	return &cell.Error{Name: "CompileError", Value: msg, Traceback: tb}
}

// runError turns what stopped a running cell into its error: a panic with
// the interpreted frames it went through, an interrupt, or os.Exit.
func (s *Session) runError(err error) *cell.Error {
	frames := s.stderr.takeFrames()
	if errors.Is(err, errHardStop) || errors.Is(err, context.Canceled) {
		return interruptedError(nil)
	}
	var p interp.Panic
	if !errors.As(err, &p) {
		if pp, ok := err.(interp.Panic); ok {
			p = pp
		} else {
			return compileError(err)
		}
	}
	if code, ok := p.Value.(exitCode); ok {
		return errorf("Exit", "os.Exit(%d) ends the cell; the kernel keeps running (restart it to start afresh)", int(code))
	}
	value := fmt.Sprint(p.Value)
	name := "Panic"
	if _, ok := p.Value.(error); ok {
		if strings.HasPrefix(fmt.Sprintf("%T", p.Value), "runtime.") {
			name = "RuntimeError"
		}
	}
	tb := []string{red(name) + ": " + value}
	for _, f := range frames {
		m := panicLine.FindStringSubmatch(f)
		fn := strings.TrimSuffix(m[4], "(...)")
		if fn == "main" {
			fn = "<cell>"
		} else {
			fn = strings.TrimPrefix(fn, "main.")
		}
		tb = append(tb, fmt.Sprintf("  %s, line %s, in %s", m[1], m[2], fn))
	}
	return &cell.Error{Name: name, Value: value, Traceback: tb}
}

// Interrupted returns the error of a cell that an interrupt stopped, as
// Execute reports it.
func Interrupted() *cell.Error { return interruptedError(nil) }

// interruptedError is the error of an interrupted cell, with the traceback
// of what stopped it when that was not the interrupt itself.
func interruptedError(cause *cell.Error) *cell.Error {
	e := errorf("Interrupted", "the cell was interrupted")
	if cause != nil && cause.Name != "Interrupted" {
		e.Traceback = append(e.Traceback, cause.Traceback...)
	}
	return e
}
