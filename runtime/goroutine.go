package runtime

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strconv"
	"sync"

	"github.com/golora/golora/cell"
)

// Goroutines that cells start.
//
// In Go a panic that no function of its goroutine recovers ends the process,
// here the kernel with every notebook's state. So before compiling a cell
// the runtime rewrites each of its go statements,
//
//	go f(x, y)
//
// into a call of a compiled function that starts the goroutine under a
// deferred recover:
//
//	_golora_go(func() func() { fn, a0, a1 := f, x, y; return func() { fn(a0, a1) } }())
//
// The outer literal runs at once, so the function value and the arguments
// are evaluated at the go statement, as Go does. Constants stay in the call
// (an untyped constant takes its type from the parameter), and so do the
// predeclared functions (close, println), which are no values. A recovered
// panic becomes the error of the cell that started the goroutine, or of the
// next cell when that one has finished.

// goFunc is the name of the interpreted global that holds the compiled
// starter of goroutines.
const goFunc = "_golora_go"

// goPanics collects the panics of cells' goroutines until a cell reports
// them.
type goPanics struct {
	mu      sync.Mutex
	cell    string // the running cell's name; "" between cells
	pending []*cell.Error
}

func (g *goPanics) setCell(name string) {
	g.mu.Lock()
	g.cell = name
	g.mu.Unlock()
}

func (g *goPanics) running() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cell
}

// take returns and forgets the panics collected so far.
func (g *goPanics) take() []*cell.Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.pending
	g.pending = nil
	return p
}

func (g *goPanics) add(e *cell.Error) {
	g.mu.Lock()
	g.pending = append(g.pending, e)
	g.mu.Unlock()
}

// startGoroutine is the compiled body of _golora_go: it runs f in a new
// goroutine that recovers a panic.
func (s *Session) startGoroutine(f func()) {
	origin := s.goPanics.running()
	go func() {
		defer func() {
			if r := recover(); r != nil {
				s.goroutinePanicked(origin, r)
			}
		}()
		f()
	}()
}

// goroutinePanicked records the panic of a cell's goroutine and says so in
// the log at once.
func (s *Session) goroutinePanicked(origin string, r any) {
	s.stderr.takeFrames() // yaegi's frame lines of this panic are not the cell's
	where := "a goroutine"
	if origin != "" {
		where += " started by " + origin
	}
	value := fmt.Sprintf("%v (in %s)", r, where)
	if code, ok := r.(exitCode); ok {
		value = fmt.Sprintf("os.Exit(%d) in %s ends that goroutine; the kernel keeps running", int(code), where)
	}
	fmt.Fprintf(s.console, "golora: %s panicked: %v\n", where, r)
	s.goPanics.add(&cell.Error{Name: "Panic", Value: value, Traceback: []string{red("Panic") + ": " + value}})
}

// withGoroutinePanics adds the panics of goroutines to a cell's result: the
// first becomes the cell's error if it has none.
func withGoroutinePanics(res cell.Outcome, panics []*cell.Error) cell.Outcome {
	for _, p := range panics {
		if res.Err == nil {
			res = cell.Outcome{Err: p}
			continue
		}
		res.Err.Traceback = append(res.Err.Traceback, p.Traceback...)
	}
	return res
}

// goRewriter rewrites the go statements of a tree as described above.
type goRewriter struct {
	// constant reports whether an identifier that no declaration in the tree
	// resolves is a constant of the notebook.
	constant func(name string) bool
	// isPackage reports whether a name is an imported package.
	isPackage func(name string) bool
	// declared reports whether a name is a global, type or func of the
	// notebook (which may shadow a predeclared function).
	declared func(name string) bool
}

// rewrite replaces every go statement in n. A tree rewritten once has no go
// statement left, so rewriting again changes nothing.
func (g goRewriter) rewrite(n ast.Node) {
	ast.Inspect(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.BlockStmt:
			g.list(x.List)
		case *ast.CaseClause:
			g.list(x.Body)
		case *ast.CommClause:
			g.list(x.Body)
		case *ast.LabeledStmt:
			if gs, ok := x.Stmt.(*ast.GoStmt); ok {
				x.Stmt = g.replace(gs)
			}
		}
		return true
	})
}

func (g goRewriter) list(stmts []ast.Stmt) {
	for i, st := range stmts {
		if gs, ok := st.(*ast.GoStmt); ok {
			stmts[i] = g.replace(gs)
		}
	}
}

// replace returns the call of _golora_go that runs gs's call.
func (g goRewriter) replace(gs *ast.GoStmt) ast.Stmt {
	pos := gs.Go
	call := gs.Call
	var (
		lhs, rhs []ast.Expr
		inner    = &ast.CallExpr{Fun: call.Fun, Lparen: call.Lparen, Ellipsis: call.Ellipsis, Rparen: call.Rparen}
	)
	bind := func(name string, e ast.Expr) ast.Expr {
		id := &ast.Ident{NamePos: pos, Name: name}
		lhs = append(lhs, id)
		rhs = append(rhs, e)
		return &ast.Ident{NamePos: pos, Name: name}
	}
	if !g.isBuiltin(call.Fun) {
		inner.Fun = bind("_golora_fn", call.Fun)
	}
	for i, a := range call.Args {
		if _, multi := a.(*ast.CallExpr); multi && len(call.Args) == 1 || g.isConstant(a) {
			// f(g()) may spread several results, which no := can take
			// without knowing how many: g runs in the goroutine.
			inner.Args = append(inner.Args, a)
			continue
		}
		inner.Args = append(inner.Args, bind("_golora_a"+strconv.Itoa(i), a))
	}
	body := []ast.Stmt{&ast.ReturnStmt{Return: pos, Results: []ast.Expr{&ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos}},
		Body: &ast.BlockStmt{Lbrace: pos, List: []ast.Stmt{&ast.ExprStmt{X: inner}}, Rbrace: call.End()},
	}}}}
	if len(lhs) > 0 {
		body = append([]ast.Stmt{&ast.AssignStmt{Lhs: lhs, TokPos: pos, Tok: token.DEFINE, Rhs: rhs}}, body...)
	}
	funcType := &ast.FuncType{Params: &ast.FieldList{}}
	maker := &ast.FuncLit{
		Type: &ast.FuncType{Func: pos, Params: &ast.FieldList{Opening: pos, Closing: pos},
			Results: &ast.FieldList{List: []*ast.Field{{Type: funcType}}}},
		Body: &ast.BlockStmt{Lbrace: pos, List: body, Rbrace: call.End()},
	}
	thunk := &ast.CallExpr{Fun: maker, Lparen: call.End(), Rparen: call.End()}
	return &ast.ExprStmt{X: &ast.CallExpr{Fun: &ast.Ident{NamePos: pos, Name: goFunc}, Lparen: pos, Args: []ast.Expr{thunk}, Rparen: call.End()}}
}

// predeclaredFuncs are the builtin functions, which cannot be values.
var predeclaredFuncs = map[string]bool{
	"append": true, "cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true,
	"imag": true, "len": true, "make": true, "max": true, "min": true, "new": true, "panic": true,
	"print": true, "println": true, "real": true, "recover": true,
}

func (g goRewriter) isBuiltin(fun ast.Expr) bool {
	id, ok := fun.(*ast.Ident)
	return ok && id.Obj == nil && predeclaredFuncs[id.Name] && !g.declared(id.Name)
}

// isConstant reports whether e is a constant expression: evaluating it
// later gives the same value, and it must stay in the call to take the
// parameter's type.
func (g goRewriter) isConstant(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return true
	case *ast.Ident:
		switch {
		case x.Obj != nil:
			return x.Obj.Kind == ast.Con
		case x.Name == "nil" || x.Name == "true" || x.Name == "false" || x.Name == "iota":
			return true
		}
		return g.constant(x.Name)
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		return ok && id.Obj == nil && g.isPackage(id.Name)
	case *ast.ParenExpr:
		return g.isConstant(x.X)
	case *ast.UnaryExpr:
		return x.Op != token.ARROW && x.Op != token.AND && g.isConstant(x.X)
	case *ast.BinaryExpr:
		return g.isConstant(x.X) && g.isConstant(x.Y)
	}
	return false
}

// goRewriter returns the rewriter for the session's notebook.
func (s *Session) goRewriter() goRewriter {
	var globals map[string]reflect.Value
	return goRewriter{
		constant: func(name string) bool {
			if globals == nil {
				globals = s.globals()
			}
			v, ok := globals[name]
			// A variable lives in the interpreter's frame and can be set; a
			// constant is a value of its own.
			return ok && !v.CanSet()
		},
		isPackage: func(name string) bool { _, ok := s.state.imported[name]; return ok },
		declared:  s.state.known,
	}
}

// installGoStarter declares _golora_go in the interpreter and gives it the
// compiled starter.
func (s *Session) installGoStarter() error {
	if _, err := s.in.Eval("var " + goFunc + " func(func())"); err != nil {
		return fmt.Errorf("runtime: declaring %s: %w", goFunc, err)
	}
	v, ok := s.globals()[goFunc]
	if !ok || !v.CanSet() {
		return fmt.Errorf("runtime: declaring %s: the interpreter has no such variable", goFunc)
	}
	v.Set(reflect.ValueOf(s.startGoroutine))
	return nil
}
