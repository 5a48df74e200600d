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
// The session writes what a cell produces to a cell.Output: streams,
// display data and input requests. It installs that output as the sink of
// the display library for the cell (internal/cellout), and ends the cell
// there, so that progress bars left running show where they stopped.
//
// A Session is the Jupyter kernel's Evaluator: Execute, Interrupt,
// Complete, Inspect, IsComplete and History take and return the types of
// package cell, which the kernel declares its Evaluator in, so that neither
// package imports the other (main.go wires them and asserts it). The other
// front ends stand beside the runtime and use only its exported methods:
// runtime/notebook runs a notebook (`golora run`) and runtime/repl is the
// terminal REPL. The session itself knows nothing of ZeroMQ, of notebook
// files or of terminals. The builtin packages that a cell can import, and
// their names in %help and in import errors, come from builtins/symbols.
package runtime
