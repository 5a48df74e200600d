// Package runtime evaluates notebook cells of Go code with the yaegi
// interpreter and keeps their state from one cell to the next.
//
// A Session is one notebook's interpreter. It accepts what a person types in
// a cell, which plain yaegi does not: imports, declarations and statements
// mixed in one cell; packages used without an import (the standard library
// and golora's builtins are imported on first use); cells run again and
// again (a repeated import is a no-op, and every re-declared type, func,
// method, var or const replaces the old one, also inside the funcs that use
// it); a predeclared ctx that the interrupt button cancels; magics such as
// %time and !cmd. The last expression of a cell becomes its value, rendered
// through builtins/display when it has a rich form.
//
// The session writes what a cell produces to an Output: streams, display
// data and input requests. The Jupyter kernel, `golora run` (RunNotebook)
// and the terminal REPL (REPL) each provide one; the session knows nothing
// of ZeroMQ.
package runtime
