package runtime

import (
	"go/token"
	"maps"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/cell"
)

var universe = map[string]string{
	"append": "function", "cap": "function", "clear": "function", "close": "function", "complex": "function",
	"copy": "function", "delete": "function", "imag": "function", "len": "function", "make": "function",
	"max": "function", "min": "function", "new": "function", "panic": "function", "print": "function",
	"println": "function", "real": "function", "recover": "function",
	"any": "type", "bool": "type", "byte": "type", "comparable": "type", "complex64": "type", "complex128": "type",
	"error": "type", "float32": "type", "float64": "type", "int": "type", "int8": "type", "int16": "type",
	"int32": "type", "int64": "type", "rune": "type", "string": "type", "uint": "type", "uint8": "type",
	"uint16": "type", "uint32": "type", "uint64": "type", "uintptr": "type",
	"true": "constant", "false": "constant", "iota": "constant", "nil": "constant",
}

// Complete lists the completions of the name before the cursor: members of
// a package or of a variable after a dot, otherwise the notebook's names,
// packages, Go's predeclared names and keywords.
func (s *Session) Complete(code string, cursor int) cell.Completion {
	off := runeOffset(code, cursor)
	start := off
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) && r != '.' {
			break
		}
		start -= size
	}
	word := code[start:off]
	prefix := word
	var qualifier string
	if i := strings.LastIndex(word, "."); i >= 0 {
		qualifier, prefix = word[:i], word[i+1:]
	}
	s.mu.Lock()
	cands := s.candidates(qualifier)
	s.mu.Unlock()

	c := cell.Completion{Start: utf8.RuneCountInString(code[:off]) - utf8.RuneCountInString(prefix), End: cursor}
	var names []string
	for name := range cands {
		if strings.HasPrefix(name, prefix) && !strings.HasPrefix(name, resultPrefix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		c.Matches = append(c.Matches, n)
		c.Kinds = append(c.Kinds, cands[n])
	}
	return c
}

// candidates returns the names, and their kinds, that may follow
// qualifier and a dot, or stand alone when qualifier is "".
func (s *Session) candidates(qualifier string) map[string]string {
	out := map[string]string{}
	if qualifier == "" {
		maps.Copy(out, universe)
		for i := token.BREAK; i <= token.VAR; i++ {
			if i.IsKeyword() {
				out[i.String()] = "keyword"
			}
		}
		for name := range s.pkgs.byName {
			out[name] = "module"
		}
		for name := range s.state.imported {
			out[name] = "module"
		}
		for name := range s.state.globals {
			out[name] = "variable"
		}
		for key, d := range s.state.decls {
			switch d.kind {
			case itemFunc:
				out[key] = "function"
			case itemType:
				out[key] = "class"
			}
		}
		return out
	}
	parts := strings.Split(qualifier, ".")
	if path, ok := s.packagePath(parts[0]); ok && len(parts) == 1 {
		for name, v := range s.pkgs.byPath[path] {
			if !startsUpper(name) {
				continue
			}
			out[name] = symbolKind(v)
		}
		return out
	}
	v, ok := s.globals()[parts[0]]
	if !ok {
		return out
	}
	for _, f := range parts[1:] {
		if v, ok = member(v, f); !ok {
			return out
		}
	}
	if !v.IsValid() {
		return out
	}
	t := v.Type()
	if t.Kind() == reflect.Interface && !v.IsNil() {
		t = v.Elem().Type()
	}
	for i := 0; i < t.NumMethod(); i++ {
		out[t.Method(i).Name] = "function"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Struct {
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() {
				out[f.Name] = "field"
			}
		}
		for i := 0; i < reflect.PointerTo(t).NumMethod(); i++ {
			out[reflect.PointerTo(t).Method(i).Name] = "function"
		}
	}
	return out
}

func startsUpper(s string) bool { return s != "" && s[0] >= 'A' && s[0] <= 'Z' }

// symbolKind tells a function, a type, a constant and a variable apart in
// a yaegi symbol table.
func symbolKind(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Func:
		return "function"
	case v.Kind() == reflect.Pointer && v.IsNil():
		return "class"
	case v.Type().String() == "constant.Value":
		return "constant"
	}
	return "variable"
}
