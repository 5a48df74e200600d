// Command mkdocs writes the documentation index that cells see through
// inspection (name? and Shift-Tab): for every package a cell can import —
// the standard library that yaegi exposes and golora's builtins — the
// declaration and doc comment of each exported name, read from the
// packages' source with go/doc. A type that aliases one of golora's own
// (display.Bundle = output.Bundle) gets that type's methods.
//
//	go run ./internal/mkdocs -o docs.json.gz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"log"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/traefik/yaegi/stdlib"

	"github.com/golora/golora/builtins/symbols"
)

// maxDoc bounds the text kept for one name; the rest is a pointer to go doc.
const maxDoc = 1200

type entry struct {
	Decl string `json:"d,omitempty"`
	Doc  string `json:"t,omitempty"`
}

func main() {
	out := flag.String("o", "docs.json.gz", "output file")
	flag.Parse()
	paths := map[string]bool{}
	for k := range stdlib.Symbols {
		if dir := path.Dir(k); dir != "." && !strings.Contains(dir, "internal") {
			paths[dir] = true
		}
	}
	for _, p := range symbols.Packages() {
		paths[p] = true
	}
	index := map[string]entry{}
	sorted := slices.Sorted(maps.Keys(paths))
	for _, p := range sorted {
		if err := addPackage(index, p); err != nil {
			log.Printf("mkdocs: %s: %v (skipped)", p, err)
		}
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(index); err != nil {
		log.Fatal(err)
	}
	zw.Close()
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, *out); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("mkdocs: %d names from %d packages, %d bytes\n", len(index), len(sorted), buf.Len())
}

// parsePackage reads the documentation of the package at importPath from
// its source.
func parsePackage(importPath string) (*token.FileSet, []*ast.File, *doc.Package, error) {
	bp, err := build.Import(importPath, ".", 0)
	if err != nil {
		return nil, nil, nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, nil, nil, err
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		return nil, nil, nil, err
	}
	return fset, files, pkg, nil
}

func addPackage(index map[string]entry, importPath string) error {
	fset, files, pkg, err := parsePackage(importPath)
	if err != nil {
		return err
	}
	index[importPath] = entry{Decl: "package " + pkg.Name + " // import \"" + importPath + "\"", Doc: trim(pkg.Doc)}
	// A builtin's names are those its symbol table gives cells: an
	// exported name the table leaves out (llama.GraphOf) is not documented.
	table := symbols.Symbols[importPath+"/"+pkg.Name]
	add := func(name string, node ast.Node, text string) {
		if top, _, _ := strings.Cut(name, "."); table != nil {
			if _, ok := table[top]; !ok {
				return
			}
		}
		index[importPath+"."+name] = entry{Decl: render(fset, node), Doc: trim(text)}
	}
	for _, f := range pkg.Funcs {
		add(f.Name, f.Decl, f.Doc)
	}
	for _, v := range append(pkg.Vars, pkg.Consts...) {
		for _, n := range v.Names {
			if ast.IsExported(n) {
				add(n, v.Decl, v.Doc)
			}
		}
	}
	for _, t := range pkg.Types {
		add(t.Name, t.Decl, t.Doc)
		for _, f := range t.Funcs {
			add(f.Name, f.Decl, f.Doc)
		}
		for _, m := range t.Methods {
			add(t.Name+"."+m.Name, m.Decl, m.Doc)
		}
		for _, v := range append(t.Vars, t.Consts...) {
			for _, n := range v.Names {
				if ast.IsExported(n) {
					add(n, v.Decl, v.Doc)
				}
			}
		}
		if err := addAliased(index, importPath, t, files); err != nil {
			return err
		}
	}
	return nil
}

// addAliased documents the methods of the golora type that an alias names
// (display.Bundle = output.Bundle): under the alias, and under the type's
// own package, where inspection looks for the methods of a value.
func addAliased(index map[string]entry, importPath string, t *doc.Type, files []*ast.File) error {
	var sel *ast.SelectorExpr
	for _, spec := range t.Decl.Specs {
		if ts, ok := spec.(*ast.TypeSpec); ok && ts.Name.Name == t.Name && ts.Assign.IsValid() {
			sel, _ = ts.Type.(*ast.SelectorExpr)
		}
	}
	if sel == nil {
		return nil
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil
	}
	target := importOf(files, x.Name)
	if !strings.HasPrefix(target, "github.com/golora/golora/") {
		return nil
	}
	fset, _, pkg, err := parsePackage(target)
	if err != nil {
		return fmt.Errorf("%s, aliased by %s: %w", target, t.Name, err)
	}
	for _, u := range pkg.Types {
		if u.Name != sel.Sel.Name {
			continue
		}
		for _, m := range u.Methods {
			e := entry{Decl: render(fset, m.Decl), Doc: trim(m.Doc)}
			index[importPath+"."+t.Name+"."+m.Name] = e
			index[target+"."+u.Name+"."+m.Name] = e
		}
	}
	return nil
}

// importOf returns the import path that name stands for in files, or "".
func importOf(files []*ast.File, name string) string {
	for _, f := range files {
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if (imp.Name != nil && imp.Name.Name == name) || (imp.Name == nil && path.Base(p) == name) {
				return p
			}
		}
	}
	return ""
}

// render prints a declaration without bodies and without long value lists.
func render(fset *token.FileSet, node ast.Node) string {
	switch d := node.(type) {
	case *ast.FuncDecl:
		c := *d
		c.Body = nil
		c.Doc = nil
		node = &c
	case *ast.GenDecl:
		c := *d
		c.Doc = nil
		if len(c.Specs) > 12 {
			c.Specs = c.Specs[:12]
		}
		node = &c
	}
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, node); err != nil {
		return ""
	}
	s := b.String()
	if len(s) > 2*maxDoc {
		s = s[:2*maxDoc] + "\n\t…"
	}
	return s
}

func trim(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxDoc {
		cut := strings.LastIndex(s[:maxDoc], "\n\n")
		if cut < maxDoc/3 {
			cut = maxDoc
		}
		s = strings.TrimSpace(s[:cut]) + "\n\n[…] (go doc has the rest)"
	}
	return s
}
