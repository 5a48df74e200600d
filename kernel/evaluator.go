package kernel

import (
	"context"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/output"
)

// Evaluator runs cells. The kernel asks it for nothing but what the
// protocol needs, in the types of package cell, which the kernel and the
// evaluator share without importing each other; golora's runtime.Session
// implements it.
type Evaluator interface {
	// Execute runs a cell. opts.Count numbers it (0 for a silent
	// execution); with opts.StoreHistory, it goes into the history. What
	// the cell prints and displays goes to out while it runs.
	Execute(ctx context.Context, code string, opts cell.ExecOptions, out cell.Output) cell.Outcome
	// Interrupt interrupts the running cell, if any.
	Interrupt()
	// Complete lists completions at a cursor, counted in Unicode characters.
	Complete(code string, cursor int) cell.Completion
	// Inspect documents the name at a cursor.
	Inspect(code string, cursor int, detail bool) (data output.Bundle, found bool)
	// IsComplete says whether code is ready to run: complete, incomplete
	// (with the next line's indent), or invalid.
	IsComplete(code string) (status, indent string)
	// History answers a history request.
	History(q cell.HistoryQuery) []cell.HistoryEntry
}
