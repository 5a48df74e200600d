package runtime

import (
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/traefik/yaegi/interp"
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
		sort.Slice(dirs, func(i, j int) bool {
			if len(dirs[i]) != len(dirs[j]) {
				return len(dirs[i]) < len(dirs[j])
			}
			return dirs[i] < dirs[j]
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
	sort.Strings(out)
	return out
}

// importable says which packages cells can import, for error messages.
func (p *packages) importable() string {
	var names []string
	for dir, name := range p.names {
		if path.Dir(dir)+"/" == builtinsPkg {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return "cells can import the Go standard library and golora's builtins " + strings.Join(names, ", ")
}
