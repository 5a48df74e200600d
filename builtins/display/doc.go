// Package display is how cell code and builtins show rich output in a
// notebook: HTML, Markdown, images, JSON, tables and progress bars.
//
// Output travels as a Bundle, a set of representations of one value keyed by
// MIME type, always with a text/plain fallback so that every front end (a
// Jupyter client, `golora run`, the terminal REPL) can show something.
//
// A value shows itself in one of two ways:
//
//   - As a cell's last expression: any value that implements Renderer renders
//     as its bundle. display.HTML("<b>hi</b>") on the last line of a cell shows
//     bold text; so do plots, datasets and tables.
//   - Explicitly, at any point of a cell, with Show. Update replaces the
//     content of an output in place, by its ID, and ClearOutput clears the
//     cell's outputs.
//
// The package is the cell API only: it knows nothing of Jupyter or of the
// interpreter. Bundle and ID are package output's, the leaf that the kernel,
// the runtime and the front ends share. The runtime installs a sink for
// each cell and ends each cell through internal/cellout, which cells cannot
// import; Show, Update, ClearOutput and progress bars publish to that sink,
// and bars left running show where they stopped when the cell ends. With no
// sink installed (a plain Go program), text/plain is written to standard
// output.
package display
