package notebook

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/runtime"
)

// Options configures Run.
type Options struct {
	// Output is where the executed notebook is written; "" writes none.
	Output string
	// Params assigns values to variables of the cell tagged "parameters",
	// in a cell inserted after it, as papermill does.
	Params []Param
	// AllowErrors runs every cell even after one fails.
	AllowErrors bool
	// Log receives a line per cell and the cells' output as they run (a
	// terminal). Nil discards it.
	Log io.Writer
	// MaxOutput is the most bytes of printed text that one cell keeps in the
	// written notebook; the rest is replaced by a line that says how much
	// was left out (the Log still gets all of it). Zero means
	// DefaultMaxOutput, a negative value no limit.
	MaxOutput int64
}

// DefaultMaxOutput is Options.MaxOutput when it is not set: 10 MB a cell.
const DefaultMaxOutput = 10 << 20

// CellError is returned by Run when a cell failed.
type CellError struct {
	Index int // of the cell in the notebook, from 0
	Err   *cell.Error
}

func (e *CellError) Error() string {
	return fmt.Sprintf("cell %d failed: %s", e.Index+1, e.Err)
}

// Run executes the code cells of the notebook at path (nbformat 4) in
// order in the session, like `jupyter nbconvert --execute`, and writes the
// notebook with its outputs as nbformat 4.5: after each cell, so that a
// crash keeps what the cells before it did. Cells not run yet have no
// outputs. It stops at the first failing cell unless AllowErrors, writes
// the notebook either way, and returns a *CellError for the first failure.
func Run(ctx context.Context, s *runtime.Session, path string, opts Options) error {
	nb, err := read(path)
	if err != nil {
		return err
	}
	if len(opts.Params) > 0 {
		if err := nb.injectParams(opts.Params); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	terminal := isTerminal(log)
	limit := opts.MaxOutput
	if limit == 0 {
		limit = DefaultMaxOutput
	}
	code := 0
	for _, c := range nb.cells {
		if c.kind() == "code" {
			code++
			c["outputs"] = []any{}
			c["execution_count"] = nil
		}
	}
	save := func() error {
		if opts.Output == "" {
			return nil
		}
		return nb.write(opts.Output)
	}
	if err := save(); err != nil {
		return err
	}
	var failed *CellError
	n := 0
	for i, c := range nb.cells {
		if c.kind() != "code" {
			continue
		}
		n++
		if failed != nil && !opts.AllowErrors {
			continue
		}
		src := c.source()
		fmt.Fprintf(log, "── cell %d/%d ──────────────────────────────\n", n, code)
		out := &cellRecorder{log: log, limit: limit, redraw: terminal}
		start := time.Now()
		res := s.Execute(ctx, src, cell.ExecOptions{Count: n, StoreHistory: true}, out)
		if res.Value != nil {
			out.add(map[string]any{"output_type": "execute_result", "execution_count": n, "data": res.Value.Data, "metadata": nonNilMap(res.Value.Metadata)})
			out.echo(res.Value.Text() + "\n")
		}
		if res.Page != nil {
			out.add(map[string]any{"output_type": "display_data", "data": res.Page.Data, "metadata": map[string]any{}})
			out.echo(res.Page.Text() + "\n")
		}
		if res.Err != nil {
			out.add(map[string]any{"output_type": "error", "ename": res.Err.Name, "evalue": res.Err.Value, "traceback": nonNilStrings(res.Err.Traceback)})
			out.echo(strings.Join(res.Err.Traceback, "\n") + "\n")
			if failed == nil {
				failed = &CellError{Index: i, Err: res.Err}
			}
		}
		out.finish()
		c["outputs"] = out.outputs
		c["execution_count"] = n
		meta, _ := c["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["golora"] = map[string]any{"duration_s": time.Since(start).Seconds()}
		c["metadata"] = meta
		status := "ok"
		if res.Err != nil {
			status = res.Err.Name
		}
		fmt.Fprintf(log, "   cell %d: %s in %s\n", n, status, time.Since(start).Round(time.Millisecond))
		if ctx.Err() != nil && failed == nil {
			failed = &CellError{Index: i, Err: runtime.Interrupted()}
		}
		if err := save(); err != nil {
			return err
		}
	}
	if failed != nil {
		return failed
	}
	return nil
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// isTerminal reports whether w is a terminal, where a progress bar can be
// redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
