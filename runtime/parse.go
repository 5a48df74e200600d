package runtime

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"

	"github.com/golora/golora/cell"
)

// parsed is a piece of a cell parsed on its own, behind a line directive so
// that positions in it, and in yaegi's errors about it, read as the cell's
// own lines.
//
// A cell is one file of package main, named as the notebook names it
// (In[3]). As in Go, imports belong to a file: yaegi looks a package name up
// under the file name of the identifier's position. So each cell imports
// again what the notebook imported before (importAll), and everything
// parsed for a cell carries the cell's name, before and after the
// directive.
type parsed struct {
	src  string // what was parsed, wrapper included
	base int    // offset in src where the cell's text starts
	file *token.File
}

func directive(file string, line, col int) string {
	return fmt.Sprintf("/*line %s:%d:%d*/", file, line, col)
}

// text returns the cell text of a node of this parse.
func (p *parsed) text(n ast.Node) string {
	return p.src[p.file.Offset(n.Pos()):p.file.Offset(n.End())]
}

// parseDecl parses one top-level declaration written at line:col of file.
// prefix goes before the position directive (as "type " does for a lone
// type spec).
func parseDecl(fset *token.FileSet, file string, line, col int, prefix, text string) (ast.Decl, *parsed, error) {
	head := "package main;" + prefix + directive(file, line, col)
	src := head + text
	f, err := parser.ParseFile(fset, file, src, 0)
	if err != nil {
		return nil, nil, err
	}
	if len(f.Decls) != 1 {
		return nil, nil, fmt.Errorf("%s:%d:%d: expected one declaration", file, line, col)
	}
	return f.Decls[0], &parsed{src: src, base: len(head), file: fset.File(f.Pos())}, nil
}

// parseStmts parses statements written at line:col of file.
func parseStmts(fset *token.FileSet, file string, line, col int, text string) ([]ast.Stmt, *parsed, error) {
	head := "package main; func main() {" + directive(file, line, col)
	src := head + text + "\n}"
	f, err := parser.ParseFile(fset, file, src, 0)
	if err != nil {
		return nil, nil, err
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	return body.List, &parsed{src: src, base: len(head), file: fset.File(f.Pos())}, nil
}

// lineCol returns the 1-based line and column of byte offset off in src.
func lineCol(src string, off int) (int, int) {
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndex(src[:off], "\n")
	return line, col
}

// syntaxError turns a parse error into the error a notebook shows, with the
// offending line of the cell and a caret under the column.
func syntaxError(err error, code string) *cell.Error {
	list, ok := err.(scanner.ErrorList)
	if !ok || len(list) == 0 {
		return errorf("SyntaxError", "%v", err)
	}
	e := list[0]
	msg := e.Msg
	value := fmt.Sprintf("%s (%s, line %d)", msg, e.Pos.Filename, e.Pos.Line)
	tb := []string{fmt.Sprintf("  %s, line %d", e.Pos.Filename, e.Pos.Line)}
	lines := strings.Split(code, "\n")
	if e.Pos.Line >= 1 && e.Pos.Line <= len(lines) {
		src := strings.ReplaceAll(lines[e.Pos.Line-1], "\t", "    ")
		tb = append(tb, "    "+src)
		col := e.Pos.Column - 1 + 3*strings.Count(lines[e.Pos.Line-1][:min(max(e.Pos.Column-1, 0), len(lines[e.Pos.Line-1]))], "\t")
		tb = append(tb, "    "+strings.Repeat(" ", max(col, 0))+"^")
	}
	tb = append(tb, red("SyntaxError")+": "+msg)
	return &cell.Error{Name: "SyntaxError", Value: value, Traceback: tb}
}
