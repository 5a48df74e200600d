package kernel

import (
	"context"

	"github.com/golora/golora/builtins/display"
)

// Evaluator runs cells. The kernel asks it for nothing but what the
// protocol needs; golora's runtime implements it.
type Evaluator interface {
	// Execute runs a cell. count numbers it (0 for a silent execution);
	// with store, it goes into the history. What the cell prints and
	// displays goes to out while it runs.
	Execute(ctx context.Context, code string, count int, store bool, out Output) Outcome
	// Interrupt interrupts the running cell, if any.
	Interrupt()
	// Complete lists completions at a cursor, counted in Unicode characters.
	Complete(code string, cursor int) Completion
	// Inspect documents the name at a cursor.
	Inspect(code string, cursor int, detail bool) (data display.Bundle, found bool)
	// IsComplete says whether code is ready to run: complete, incomplete
	// (with the next line's indent), or invalid.
	IsComplete(code string) (status, indent string)
	// History answers a history request.
	History(q HistoryQuery) []HistoryEntry
}

// Output receives what a running cell produces.
type Output interface {
	display.Sink
	Stream(name, text string)
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// Outcome is how a cell ended.
type Outcome struct {
	Value *display.Bundle // the cell's value, if it has one
	Page  *display.Bundle // help text for the pager, if the cell asked for it
	Err   *CellError      // nil when the cell ran to its end
}

// CellError is a cell's failure: the content of an error message.
type CellError struct {
	Name      string
	Value     string
	Traceback []string
}

// Completion is the answer to a complete request.
type Completion struct {
	Matches    []string
	Kinds      []string // "function", "variable", … for each match
	Start, End int
}

// HistoryQuery is a history request.
type HistoryQuery struct {
	Output     bool
	AccessType string // "tail", "range" or "search"
	Session    int
	Start      int
	Stop       int
	N          int
	Pattern    string
	Unique     bool
}

// HistoryEntry is one cell of the history.
type HistoryEntry struct {
	Session int
	Line    int
	Input   string
	Output  string
}
