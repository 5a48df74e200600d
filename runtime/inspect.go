package runtime

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/golora/golora/builtins/display"
)

// Inspect returns the documentation of the name at a cursor position
// (counted in Unicode characters, as Jupyter counts), for Shift-Tab in a
// notebook. found is false when there is no name there or nothing is known
// of it.
func (s *Session) Inspect(code string, cursor int, detail bool) (b display.Bundle, found bool) {
	expr := exprAt(code, runeOffset(code, cursor))
	if expr == "" {
		return display.Bundle{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.inspectText(expr, detail)
	return b, err == nil
}

// inspectText documents a name: a package, a package member (pkg.Name or
// pkg.Type.Method), or a global of the notebook.
func (s *Session) inspectText(expr string, detail bool) (display.Bundle, error) {
	docs := docIndex()
	parts := strings.Split(expr, ".")
	show := func(key string, e docEntry) display.Bundle {
		text := e.Decl
		if e.Doc != "" {
			text += "\n\n" + e.Doc
		}
		return display.Text(text)
	}
	if path, ok := s.packagePath(parts[0]); ok {
		key := path
		if len(parts) > 1 {
			key += "." + strings.Join(parts[1:], ".")
		}
		if e, ok := docs[key]; ok {
			return show(key, e), nil
		}
		return display.Bundle{}, fmt.Errorf("%s: no documentation for %s in package %q", expr, strings.Join(parts[1:], "."), path)
	}
	if d := s.state.decls[parts[0]]; d != nil && len(parts) == 1 {
		return display.Text(strings.TrimSpace(d.text) + "\n\n(declared in " + d.file + ")"), nil
	}
	if v, ok := s.globals()[parts[0]]; ok {
		for _, field := range parts[1:] {
			next, ok := member(v, field)
			if !ok {
				return s.methodDoc(v, field)
			}
			v = next
		}
		text := fmt.Sprintf("%s: %s", expr, typeName(v))
		if detail || v.Kind() != reflect.Func {
			text += "\n\n" + truncate(valueText(v), 2000)
		}
		return display.Text(text), nil
	}
	return display.Bundle{}, fmt.Errorf("%s is not a package, declaration or variable of this notebook", expr)
}

// methodDoc documents the method name of a compiled builtin's value.
func (s *Session) methodDoc(v reflect.Value, name string) (display.Bundle, error) {
	t := v.Type()
	if t.Kind() == reflect.Interface && !v.IsNil() {
		t = v.Elem().Type()
	}
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if e, ok := docIndex()[base.PkgPath()+"."+base.Name()+"."+name]; ok {
		return display.Text(e.Decl + "\n\n" + e.Doc), nil
	}
	if m, ok := t.MethodByName(name); ok {
		return display.Text(name + " " + m.Type.String()), nil
	}
	return display.Bundle{}, fmt.Errorf("%s has no field or method %s", typeName(v), name)
}

// packagePath returns the import path a name refers to: an imported
// package, or one a cell would import on first use.
func (s *Session) packagePath(name string) (string, bool) {
	if p, ok := s.state.imported[name]; ok {
		return p, true
	}
	if s.state.globals[name] || s.state.decls[name] != nil {
		return "", false
	}
	p, ok := s.pkgs.byName[name]
	return p, ok
}

func member(v reflect.Value, name string) (reflect.Value, bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	f := v.FieldByName(name)
	return f, f.IsValid()
}

func typeName(v reflect.Value) string {
	if !v.IsValid() {
		return "nil"
	}
	return v.Type().String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// runeOffset converts a cursor counted in Unicode characters to a byte
// offset.
func runeOffset(s string, cursor int) int {
	off := 0
	for i := 0; i < cursor && off < len(s); i++ {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}

func isIdentRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// exprAt returns the dotted name around byte offset off, or, inside a
// call's parentheses, the name of the function called.
func exprAt(code string, off int) string {
	start, end := off, off
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) && r != '.' {
			break
		}
		start -= size
	}
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += size
	}
	if e := strings.Trim(code[start:end], "."); e != "" {
		return e
	}
	// Inside a call: the name before the innermost open parenthesis.
	depth := 0
	for i := off - 1; i >= 0; i-- {
		switch code[i] {
		case ')':
			depth++
		case '(':
			if depth == 0 {
				return exprAt(code, i)
			}
			depth--
		}
	}
	return ""
}
