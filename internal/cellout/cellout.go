// Package cellout is the plumbing between the cell library and the
// runtime, kept out of what cells can reach: the runtime installs the
// running cell's sink (SetSink) and ends each cell (End); builtins/display
// publishes to that sink (Sink) and registers what it finishes when a cell
// ends (AtEnd: progress bars left running show where they stopped).
//
// It is process state: there is one notebook per process. Cells cannot
// import it: the interpreter sees only the packages listed in
// builtins/symbols.
package cellout

import (
	"sync"

	"github.com/golora/golora/output"
)

var state struct {
	mu    sync.Mutex
	sink  output.Sink
	atEnd []func(interrupted bool)
}

// SetSink installs s as the destination of what cells display and returns
// a function that restores the previous sink. A nil s sends output to
// standard output as text.
func SetSink(s output.Sink) (restore func()) {
	state.mu.Lock()
	prev := state.sink
	state.sink = s
	state.mu.Unlock()
	return func() {
		state.mu.Lock()
		state.sink = prev
		state.mu.Unlock()
	}
}

// Sink returns the installed sink, or nil when there is none.
func Sink() output.Sink {
	state.mu.Lock()
	defer state.mu.Unlock()
	return state.sink
}

// AtEnd registers f to be called by End at the end of every cell.
func AtEnd(f func(interrupted bool)) {
	state.mu.Lock()
	state.atEnd = append(state.atEnd, f)
	state.mu.Unlock()
}

// End is called by the runtime when a cell ends, interrupted or not, while
// the cell's sink is still installed: it calls every function registered
// with AtEnd, in order.
func End(interrupted bool) {
	state.mu.Lock()
	fs := state.atEnd
	state.mu.Unlock()
	for _, f := range fs {
		f(interrupted)
	}
}
