// Package symbols holds the tables through which interpreted cells reach
// golora's compiled builtins. The yaegi interpreter calls compiled code
// through reflect values listed per package; `go generate` writes them with
// `yaegi extract`, which skips generic functions: the builtins expose
// concrete types only. A line may leave names out with -exclude: llama's
// GraphOf, the door to its graph-level API (internal/llamagraph), which
// cells cannot use.
//
// The go:generate lines below are the one list of the builtin packages that
// cells can import: Packages and Names read it back from the tables, for
// the runtime (auto-import, %help, import errors) and for the documentation
// index. Only a package's cell API is extracted; plumbing that the runtime
// calls lives in internal packages, which cells cannot import.
//
// Regenerate after changing a builtin's exported API:
//
//	go generate ./builtins/symbols
package symbols

import (
	"path"
	"reflect"
	"slices"
	"strings"
)

// Symbols maps "import/path/name" to the exported symbols of that package,
// in the form interp.Use takes.
var Symbols = map[string]map[string]reflect.Value{}

// Prefix is the import path under which golora's builtin packages live.
const Prefix = "github.com/golora/golora/builtins/"

// Packages returns the import paths of the builtin packages that cells can
// import, sorted: those of the go:generate lines below, sub-packages such
// as builtins/plot/figure included.
func Packages() []string {
	var paths []string
	for key := range Symbols {
		paths = append(paths, path.Dir(key))
	}
	slices.Sort(paths)
	return slices.Compact(paths)
}

// Names returns the names of the builtin packages directly under Prefix,
// sorted (chat, data, display, …), without sub-packages such as plot/figure.
func Names() []string {
	var names []string
	for _, p := range Packages() {
		if name, ok := strings.CutPrefix(p, Prefix); ok && !strings.Contains(name, "/") {
			names = append(names, name)
		}
	}
	return names
}

//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/chat
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/data
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/display
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/formats
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract -exclude=^GraphOf$ github.com/golora/golora/builtins/llama
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/lora
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/plot
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/plot/figure
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/rawtext
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/sched
//go:generate go run github.com/traefik/yaegi/cmd/yaegi extract github.com/golora/golora/builtins/tokenizer
