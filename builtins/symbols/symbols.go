// Package symbols holds the tables through which interpreted cells reach
// golora's compiled builtins. The yaegi interpreter calls compiled code
// through reflect values listed per package; `go generate` writes them with
// `yaegi extract`, which skips generic functions: the builtins expose
// concrete types only. A line may leave names out with -exclude: llama's
// GraphOf, the door to its graph-level API (internal/llamagraph), which
// cells cannot use.
//
// Regenerate after changing a builtin's exported API:
//
//	go generate ./builtins/symbols
package symbols

import "reflect"

// Symbols maps "import/path/name" to the exported symbols of that package,
// in the form interp.Use takes.
var Symbols = map[string]map[string]reflect.Value{}

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
