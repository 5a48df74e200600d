// Command mkdocs writes the documentation index that cells see through
// inspection (name? and Shift-Tab): for every package a cell can import —
// the standard library that yaegi exposes and golora's builtins — the
// declaration and doc comment of each exported name, read from the
// packages' source with go/doc.
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
	"os"
	"path"
	"path/filepath"
	"sort"
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
	for _, set := range []map[string]map[string]any{keysOf(stdlib.Symbols), keysOf(symbols.Symbols)} {
		for k := range set {
			if dir := path.Dir(k); dir != "." && !strings.Contains(dir, "internal") {
				paths[dir] = true
			}
		}
	}
	index := map[string]entry{}
	var sorted []string
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
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

func keysOf[V any](m map[string]V) map[string]map[string]any {
	out := map[string]map[string]any{}
	for k := range m {
		out[k] = nil
	}
	return out
}

func addPackage(index map[string]entry, importPath string) error {
	bp, err := build.Import(importPath, ".", 0)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(bp.Dir, name), nil, parser.ParseComments)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, importPath)
	if err != nil {
		return err
	}
	index[importPath] = entry{Decl: "package " + pkg.Name + " // import \"" + importPath + "\"", Doc: trim(pkg.Doc)}
	add := func(name string, node ast.Node, text string) {
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
	}
	return nil
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
