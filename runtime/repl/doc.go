// Package repl is golora's terminal front end, `golora repl`: a
// read-eval-print loop over a runtime.Session.
//
// Run reads a cell from its input, over several lines while the session
// says the cell is incomplete, runs it, and prints its output and value.
// Progress bars redraw on their line; images are written to files whose
// paths are printed. The loop installs no signal handler: golora repl
// turns Ctrl-C into Session.Interrupt.
//
// The package is a front end beside the Jupyter kernel and `golora run`
// (runtime/notebook): it drives the session through its exported methods
// only, and gives each cell an Output of its own (cell.Output).
package repl
