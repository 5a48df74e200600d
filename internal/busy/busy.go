// Package busy counts the builtin calls that are running on behalf of a
// cell, so that the runtime can tell, after an interrupt, whether a builtin
// is still finishing its step (and must be waited for) or whether
// interpreted code is running (and may be stopped).
//
// The runtime gives each cell a context made by WithCounter; a builtin that
// takes a context marks itself at its boundary, beside its recover guard:
//
//	func (m *Model) Generate(ctx context.Context, …) (…, err error) {
//		defer busy.Enter(ctx)()
//		defer recoverTo(&err, "generate")
//
// A context without a counter (a Go program or test calling the builtin
// directly) makes Enter a no-op. Cells cannot import this package: the
// interpreter only sees the packages listed in builtins/symbols.
package busy

import (
	"context"
	"sync/atomic"
)

// Counter counts the builtins running for one cell.
type Counter struct{ n atomic.Int64 }

type key struct{}

// WithCounter returns a copy of parent that carries a new Counter, and the
// Counter.
func WithCounter(parent context.Context) (context.Context, *Counter) {
	c := new(Counter)
	return context.WithValue(parent, key{}, c), c
}

// Enter marks a builtin as running for the cell whose context ctx is, or is
// derived from, until the returned function is called.
func Enter(ctx context.Context) (exit func()) {
	c, _ := ctx.Value(key{}).(*Counter)
	if c == nil {
		return func() {}
	}
	c.n.Add(1)
	var once atomic.Bool
	return func() {
		if once.CompareAndSwap(false, true) {
			c.n.Add(-1)
		}
	}
}

// Running returns how many builtins are running now.
func (c *Counter) Running() int { return int(c.n.Load()) }
