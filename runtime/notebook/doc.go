// Package notebook runs a Jupyter notebook without Jupyter: `golora run`.
//
// Run executes the code cells of an nbformat 4 notebook in order in a
// runtime.Session, like `jupyter nbconvert --execute`, and writes the
// notebook with its outputs (nbformat 4.5) after each cell, so that a crash
// keeps what the cells before it did. Its Options set parameters as
// papermill does (a cell inserted after the one tagged "parameters"), run
// on after a failing cell, and bound the text a cell keeps in the written
// notebook. What the cells print and display is echoed to a log as it
// happens: progress bars redraw in place on a terminal and print a line
// every 5 seconds elsewhere.
//
// The package is a front end beside the Jupyter kernel and the REPL
// (runtime/repl): it drives the session through its exported methods only,
// and gives each cell an Output of its own (cell.Output) that turns
// streams and displays into notebook outputs. The kernelspec and language
// it writes in the notebook's metadata come from package kernelspec.
package notebook
