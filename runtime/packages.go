package runtime

import (
	"cmp"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/traefik/yaegi/interp"

	"github.com/golora/golora/builtins/symbols"
)

// preferredPackage settles a name that several standard packages share, for
// imports the runtime adds by itself. A cell that wants the other one
// imports it explicitly.
var preferredPackage = map[string]string{
	"rand":     "math/rand",
	"template": "text/template",
	"scanner":  "text/scanner",
	"pprof":    "runtime/pprof",
	"constant": "go/constant",
	"build":    "go/build",
	"trace":    "runtime/trace",
	"parse":    "text/template/parse",
	"debug":    "runtime/debug",
	"syntax":   "regexp/syntax",
}

// packages indexes the compiled packages a cell can import: the standard
// library and golora's builtins.
type packages struct {
	byName map[string]string                   // package name → import path (for auto-import)
	byPath map[string]map[string]reflect.Value // import path → exported symbols
	names  map[string]string                   // import path → package name
}

func newPackages(sets ...interp.Exports) *packages {
	p := &packages{byName: map[string]string{}, byPath: map[string]map[string]reflect.Value{}, names: map[string]string{}}
	candidates := map[string][]string{}
	for i, set := range sets {
		for key, syms := range set {
			dir, name := path.Dir(key), path.Base(key)
			if dir == "." || strings.Contains(dir, "internal") {
				continue
			}
			p.byPath[dir] = syms
			p.names[dir] = name
			if i > 0 {
				// Later sets (golora's builtins) win over earlier ones.
				p.byName[name] = dir
				continue
			}
			candidates[name] = append(candidates[name], dir)
		}
	}
	for name, dirs := range candidates {
		if _, taken := p.byName[name]; taken {
			continue
		}
		if pref, ok := preferredPackage[name]; ok {
			p.byName[name] = pref
			continue
		}
		slices.SortFunc(dirs, func(a, b string) int {
			return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
		})
		p.byName[name] = dirs[0]
	}
	return p
}

// symbols returns the exported names of the package at importPath, sorted.
func (p *packages) symbols(importPath string) []string {
	var out []string
	for name := range p.byPath[importPath] {
		if ast := name[0]; ast >= 'A' && ast <= 'Z' {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// importable says which packages cells can import, for error messages.
func (p *packages) importable() string {
	return "cells can import the Go standard library and golora's builtins " + strings.Join(symbols.Names(), ", ")
}
