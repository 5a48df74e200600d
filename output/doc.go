// Package output is the small protocol between what shows a value and what
// receives it: the MIME bundle, the ID that names an output so it can be
// updated in place, and the Sink that a front end implements.
//
// It is a leaf that imports nothing of golora. The cell library
// (builtins/display, where cells know these types as display.Bundle and
// display.ID) makes bundles and publishes them; the runtime installs the
// running cell's Sink (through internal/cellout); each front end receives
// them: the Jupyter kernel as display_data and update_display_data
// messages, `golora run` (runtime/notebook) as notebook outputs, and the
// REPL (runtime/repl) as terminal text.
package output
