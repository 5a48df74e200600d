package runtime

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"image"
	"reflect"
	"strconv"
	"strings"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/cell"
)

// The value of a cell.
//
// A cell's value is its final expression statement, with the rules a
// person expects from a notebook rather than what yaegi returns (it returns
// the first result of every statement):
//
//   - A call's results are all shown, as a tuple when there are several; a
//     trailing error result that is nil is left out, so `data.Load(path)`
//     shows the dataset.
//   - A call that returns only a nil error, or nothing, shows nothing.
//   - The writers' and scanners' (n int, err error) — fmt.Println,
//     w.Write — show nothing unless err is set.
//   - A value with a rich form (display.Renderer, image.Image) renders as
//     that form; anything else as text, strings quoted.

// writerFuncs are the standard functions whose results count bytes or items
// written or read.
var writerFuncs = map[string]map[string]bool{
	"fmt": {"Print": true, "Printf": true, "Println": true, "Fprint": true, "Fprintf": true, "Fprintln": true,
		"Scan": true, "Scanf": true, "Scanln": true, "Sscan": true, "Sscanf": true, "Sscanln": true,
		"Fscan": true, "Fscanf": true, "Fscanln": true},
	"io": {"WriteString": true, "Copy": true, "CopyN": true, "ReadFull": true},
}

var writerMethods = map[string]bool{"Write": true, "WriteString": true, "WriteByte": true, "WriteRune": true, "Read": true}

const resultPrefix = "_golora_r"

func (s *Session) evalResult(ctx context.Context, es *ast.ExprStmt) (*display.Bundle, *cell.Error) {
	call, isCall := ast.Unparen(es.X).(*ast.CallExpr)
	if !isCall {
		v, err := s.runBlock(ctx, []ast.Stmt{es})
		if err != nil {
			return nil, err
		}
		return s.bundleOf(v), nil
	}
	writer := s.isWriterCall(call)
	ft, ok := s.funcType(call.Fun)
	if !ok || ft.NumOut() <= 1 {
		v, err := s.runBlock(ctx, []ast.Stmt{es})
		if err != nil || writer {
			return nil, err
		}
		if ok && ft.NumOut() == 0 {
			return nil, nil
		}
		if ok && ft.Out(0) == errorType && (!v.IsValid() || v.IsNil()) {
			return nil, nil
		}
		return s.bundleOf(v), nil
	}
	// Several results: assign them to hidden globals and read them back.
	lhs := make([]ast.Expr, ft.NumOut())
	for i := range lhs {
		lhs[i] = &ast.Ident{NamePos: es.Pos(), Name: resultPrefix + strconv.Itoa(i)}
	}
	assign := &ast.AssignStmt{Lhs: lhs, TokPos: es.Pos(), Tok: token.DEFINE, Rhs: []ast.Expr{es.X}}
	if _, err := s.runBlock(ctx, []ast.Stmt{assign}); err != nil {
		return nil, err
	}
	globals := s.globals()
	vals := make([]reflect.Value, ft.NumOut())
	for i := range vals {
		vals[i] = globals[resultPrefix+strconv.Itoa(i)]
		delete(s.state.globals, resultPrefix+strconv.Itoa(i))
	}
	last := vals[len(vals)-1]
	if ft.Out(len(vals)-1) == errorType && last.IsValid() && last.IsNil() {
		if writer {
			return nil, nil
		}
		vals = vals[:len(vals)-1]
	}
	if len(vals) == 1 {
		return s.bundleOf(vals[0]), nil
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = valueText(v)
	}
	b := display.Text("(" + strings.Join(parts, ", ") + ")")
	return &b, nil
}

var errorType = reflect.TypeFor[error]()

// isWriterCall reports whether call is fmt.Println or another function or
// method whose results count what it wrote or read.
func (s *Session) isWriterCall(call *ast.CallExpr) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if id, ok := sel.X.(*ast.Ident); ok {
		if path, ok := s.state.imported[id.Name]; ok {
			return writerFuncs[path][sel.Sel.Name]
		}
	}
	return writerMethods[sel.Sel.Name]
}

// funcType returns the type of the function a call calls, when the callee
// is a name or a chain of selections (evaluating it has no effect).
func (s *Session) funcType(fun ast.Expr) (reflect.Type, bool) {
	for e := fun; ; {
		switch x := e.(type) {
		case *ast.Ident:
			goto pure
		case *ast.SelectorExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		default:
			return nil, false
		}
	}
pure:
	prog, err := s.compile(s.block(&ast.ExprStmt{X: fun}))
	if err != nil {
		return nil, false
	}
	v, err := s.execute(prog)
	s.stderr.takeFrames()
	if err != nil || !v.IsValid() || v.Kind() != reflect.Func {
		return nil, false
	}
	return v.Type(), true
}

// bundleOf renders a value: its rich form if it has one, else text.
func (s *Session) bundleOf(v reflect.Value) *display.Bundle {
	if !v.IsValid() {
		return nil
	}
	if v.CanInterface() {
		switch x := v.Interface().(type) {
		case display.Renderer:
			if v.Kind() == reflect.Pointer && v.IsNil() {
				break
			}
			b := display.Of(x)
			return &b
		case image.Image:
			b := display.Image(x)
			return &b
		}
	}
	b := display.Text(valueText(v))
	return &b
}

// valueText formats a value as a notebook shows it in text.
func valueText(v reflect.Value) string {
	if !v.IsValid() {
		return "<nil>"
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return "<nil>"
		}
		v = v.Elem()
	}
	if !v.CanInterface() {
		return v.String()
	}
	x := v.Interface()
	switch t := x.(type) {
	case string:
		if !strings.Contains(t, "\n") {
			return strconv.Quote(t)
		}
		return t
	case error:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return "<nil>"
		}
		return t.Error()
	case fmt.Stringer:
		if v.Kind() == reflect.Pointer && v.IsNil() {
			return "<nil>"
		}
		return t.String()
	}
	switch v.Kind() {
	case reflect.Func:
		if v.IsNil() {
			return "<nil>"
		}
		return v.Type().String()
	case reflect.Struct:
		if v.Type().Name() != "" {
			return fmt.Sprintf("%+v", x)
		}
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Elem().Type().Name() != "" {
			return fmt.Sprintf("&%+v", v.Elem().Interface())
		}
	}
	return fmt.Sprintf("%v", x)
}
