package runtime

import (
	"context"
	"fmt"
	"go/ast"
	"go/token"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/golora/golora/cell"
)

// Re-declarations.
//
// yaegi gets three things wrong for a notebook, all measured with v0.16.1:
// a re-declared type is silently ignored (the old type stays); a re-declared
// method is ignored likewise; and a re-declared func, var or const creates a
// new symbol, while funcs compiled earlier keep using the old one (after
// `var z = 7`, a func that reads z still sees the old z, even after z = 9).
//
// The runtime therefore keeps the source of every type, func and method a
// cell declared, and of every cell it computes what changed:
//
//   - A type that is declared anew (with different text), or one of whose
//     methods is, gets a fresh hidden name, T__v2, and T becomes an alias of
//     it (yaegi lets an alias replace a type). Its other methods are
//     compiled again from their source, so they attach to the new type.
//     Values made before keep their old type, as in any live notebook.
//   - Every stored func or method that uses a changed name is compiled again
//     (a method by giving its type a fresh version), and so on transitively,
//     so that callers see the new definition.
//   - `x := v` on an existing global becomes `x = v`, which keeps the
//     variable (and everything bound to it); when the type changes it falls
//     back to a new variable, and its users are compiled again.
//
// A stored declaration that no longer compiles against the change is left
// as it was, with a note on stderr that says so.

// state is what the runtime knows of a session's names beyond what yaegi
// keeps.
type state struct {
	imported map[string]string          // package name → import path
	files    map[string]map[string]bool // cell file → package names imported there
	anchors  map[string]token.Pos       // cell file → a position in it, for tree roots
	globals  map[string]bool            // vars and consts
	decls    map[string]*decl           // types "T", funcs "f", methods "T.M"
	versions map[string]int             // hidden-name version of each re-declared type
	seq      int
}

func newState() *state {
	return &state{
		imported: map[string]string{},
		files:    map[string]map[string]bool{},
		anchors:  map[string]token.Pos{},
		globals:  map[string]bool{},
		decls:    map[string]*decl{},
		versions: map[string]int{},
	}
}

// known reports whether name is a package, global, type or func of the
// session.
func (st *state) known(name string) bool {
	if _, ok := st.imported[name]; ok {
		return true
	}
	d, ok := st.decls[name]
	return st.globals[name] || ok && d.kind != itemMethod
}

func (st *state) names() []string {
	out := slices.Collect(maps.Keys(st.globals))
	for k, d := range st.decls {
		if d.kind != itemMethod {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// decl is the stored source of a type, func or method.
type decl struct {
	key  string // "T", "f" or "T.M"
	kind itemKind
	recv string // a method's type
	text string // for a type, its spec without the keyword
	file string
	line int
	col  int
	refs map[string]bool
	seq  int
}

func (d *decl) same(text string) bool {
	return strings.Join(strings.Fields(d.text), " ") == strings.Join(strings.Fields(text), " ")
}

// parse parses the stored source again, with positions in its first cell.
func (d *decl) parse(fset *token.FileSet) (ast.Node, error) {
	prefix := ""
	if d.kind == itemType {
		prefix = "type "
	}
	n, _, err := parseDecl(fset, d.file, d.line, d.col, prefix, d.text)
	if err != nil {
		return nil, err
	}
	if gd, ok := n.(*ast.GenDecl); ok {
		return gd.Specs[0], nil
	}
	return n, nil
}

// newDecl records a type spec or func declaration that a cell made.
func newDecl(fset *token.FileSet, n ast.Node, text string) *decl {
	pos := fset.Position(n.Pos())
	d := &decl{text: text, file: pos.Filename, line: pos.Line, col: pos.Column}
	switch x := n.(type) {
	case *ast.TypeSpec:
		d.kind, d.key = itemType, x.Name.Name
		d.refs = freeNames(x.Type)
		delete(d.refs, x.Name.Name)
	case *ast.FuncDecl:
		d.kind, d.key = itemFunc, x.Name.Name
		if r := receiverType(x); r != "" {
			d.kind, d.recv, d.key = itemMethod, r, r+"."+x.Name.Name
		}
		d.refs = freeNames(x)
	}
	return d
}

// declSet is the declaration part of a cell, or the recompilation that a
// change of globals calls for.
type declSet struct {
	file   string  // the cell's name
	decls  []*decl // the cell's types, funcs and methods
	nodes  map[*decl]ast.Node
	values []ast.Decl // the cell's var and const declarations
	// changed holds globals that the cell re-declared otherwise (x := v with a
	// new type).
	changed map[string]bool
}

// declare compiles and runs a cell's declarations and recompiles what
// depends on the names they change.
func (s *Session) declare(ctx context.Context, ds declSet) *cell.Error {
	st := s.state
	fset := s.in.FileSet()
	changed := map[string]bool{}
	for n := range ds.changed {
		changed[n] = true
	}
	bump := map[string]bool{}
	fresh := map[string]*decl{} // the cell's declarations that differ from the stored ones
	for _, d := range ds.decls {
		old := st.decls[d.key]
		if old != nil && old.same(d.text) {
			continue
		}
		fresh[d.key] = d
		if old == nil {
			continue
		}
		switch d.kind {
		case itemType:
			bump[d.key], changed[d.key] = true, true
		case itemMethod:
			bump[d.recv], changed[d.recv] = true, true
		case itemFunc:
			changed[d.key] = true
		}
	}
	for _, v := range ds.values {
		for _, name := range definedNames(v) {
			if st.globals[name] {
				changed[name] = true
			}
		}
	}

	// What depends on a changed name changes too.
	redo := map[string]*decl{}
	for grew := true; grew; {
		grew = false
		for key, d := range st.decls {
			if fresh[key] != nil || redo[key] != nil {
				continue
			}
			hit := bump[d.recv] && d.kind == itemMethod || bump[key] && d.kind == itemType
			for r := range d.refs {
				hit = hit || changed[r]
			}
			if !hit {
				continue
			}
			redo[key] = d
			grew = true
			switch d.kind {
			case itemFunc:
				changed[key] = true
			case itemMethod:
				if !bump[d.recv] {
					bump[d.recv], changed[d.recv] = true, true
				}
			case itemType:
				bump[key], changed[key] = true, true
			}
		}
	}

	// Types first: each bumped one under its fresh name, then the alias.
	var types, funcs []emitted
	versions := map[string]int{}
	for _, d := range s.ordered(fresh, redo, itemType) {
		node, err := s.nodeOf(ds, d, fset)
		if err != nil {
			return compileError(err)
		}
		spec := node.(*ast.TypeSpec)
		out := []ast.Spec{spec}
		if bump[d.key] && spec.Assign == token.NoPos {
			v := st.versions[d.key] + 1
			versions[d.key] = v
			hidden := d.key + "__v" + strconv.Itoa(v)
			spec.Name.Name = hidden
			renameRefs(spec.Type, d.key, hidden)
			out = append(out, &ast.TypeSpec{Name: ast.NewIdent(d.key), Assign: spec.Pos(), Type: &ast.Ident{NamePos: spec.Pos(), Name: hidden}})
		}
		types = append(types, emitted{d: d, decl: &ast.GenDecl{Tok: token.TYPE, TokPos: spec.Pos(), Specs: out}, stored: fresh[d.key] == nil})
	}
	for _, kind := range []itemKind{itemFunc, itemMethod} {
		for _, d := range s.ordered(fresh, redo, kind) {
			node, err := s.nodeOf(ds, d, fset)
			if err != nil {
				return compileError(err)
			}
			funcs = append(funcs, emitted{d: d, decl: node.(ast.Decl), stored: fresh[d.key] == nil})
		}
	}
	for _, v := range ds.values {
		funcs = append(funcs, emitted{decl: v})
	}

	if err := s.compileDecls(ctx, ds.file, types); err != nil {
		return err
	}
	for key, v := range versions {
		st.versions[key] = v
	}
	for _, e := range types {
		if !e.stored {
			s.store(e.d)
		}
	}
	if err := s.compileDecls(ctx, ds.file, funcs); err != nil {
		return err
	}
	for _, e := range funcs {
		if e.d != nil && !e.stored {
			s.store(e.d)
		}
	}
	for _, v := range ds.values {
		for _, name := range definedNames(v) {
			st.globals[name] = true
		}
	}
	return nil
}

func (s *Session) store(d *decl) {
	s.state.seq++
	d.seq = s.state.seq
	s.state.decls[d.key] = d
}

// emitted is a declaration about to be compiled.
type emitted struct {
	d      *decl // nil for var and const declarations
	decl   ast.Decl
	stored bool // compiled again from a earlier cell's source
}

// ordered returns the declarations of one kind to compile, fresh and
// redone, in the order of their first declaration, the cell's own last; for
// types, a type comes after the types it uses.
func (s *Session) ordered(fresh, redo map[string]*decl, kind itemKind) []*decl {
	var list []*decl
	for _, m := range []map[string]*decl{redo, fresh} {
		for _, d := range m {
			if d.kind == kind {
				list = append(list, d)
			}
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		si, sj := list[i].seq, list[j].seq
		if si == 0 {
			si = 1 << 30
		}
		if sj == 0 {
			sj = 1 << 30
		}
		if si != sj {
			return si < sj
		}
		return list[i].key < list[j].key
	})
	if kind != itemType {
		return list
	}
	// Depth-first: what a type uses comes first.
	byKey := map[string]*decl{}
	for _, d := range list {
		byKey[d.key] = d
	}
	var out []*decl
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(d *decl)
	visit = func(d *decl) {
		if state[d.key] != 0 {
			return
		}
		state[d.key] = 1
		var deps []string
		for r := range d.refs {
			if byKey[r] != nil {
				deps = append(deps, r)
			}
		}
		sort.Strings(deps)
		for _, r := range deps {
			visit(byKey[r])
		}
		state[d.key] = 2
		out = append(out, d)
	}
	for _, d := range list {
		visit(d)
	}
	return out
}

// nodeOf returns a fresh syntax tree of a declaration: the cell's own, or
// one parsed again from the stored source.
func (s *Session) nodeOf(ds declSet, d *decl, fset *token.FileSet) (ast.Node, error) {
	if n, ok := ds.nodes[d]; ok {
		return n, nil
	}
	return d.parse(fset)
}

var errPos = regexp.MustCompile(`^(.+?):(\d+):(\d+): `)

// compileDecls compiles and runs declarations as one file. When a
// declaration compiled again from an earlier cell fails, it is left out
// with a note, and the rest is tried again; an error in the cell's own code
// is the cell's error.
func (s *Session) compileDecls(ctx context.Context, file string, list []emitted) *cell.Error {
	for len(list) > 0 {
		decls := make([]ast.Decl, len(list))
		for i, e := range list {
			decls[i] = e.decl
		}
		prog, err := s.compile(&ast.File{Name: ast.NewIdent("main"), Package: s.anchor(file), Decls: decls})
		if err == nil {
			if _, err = s.run(ctx, prog); err == nil {
				return nil
			}
			return s.runError(err)
		}
		bad := s.culprit(err, list)
		if bad < 0 {
			return compileError(err)
		}
		d := list[bad].d
		fmt.Fprintf(s.stderr, "note: %s (declared in %s) no longer compiles after this cell's changes, and keeps its old definition: %v\n", d.key, d.file, err)
		list = append(list[:bad:bad], list[bad+1:]...)
	}
	return nil
}

// culprit returns the index of the stored declaration an error points into,
// or -1 when the error is in the cell's own code.
func (s *Session) culprit(err error, list []emitted) int {
	m := errPos.FindStringSubmatch(err.Error())
	if m == nil {
		return -1
	}
	line, _ := strconv.Atoi(m[2])
	fset := s.in.FileSet()
	for i, e := range list {
		if !e.stored {
			continue
		}
		start, end := fset.Position(e.decl.Pos()), fset.Position(e.decl.End())
		if start.Filename == m[1] && line >= start.Line && line <= end.Line {
			return i
		}
	}
	return -1
}
