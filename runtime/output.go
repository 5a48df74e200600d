package runtime

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/golora/golora/cell"
)

// router forwards the running cell's output to its cell.Output. Writers
// created once (yaegi's stdout and stderr, the descriptor capture) stay
// valid across cells: between cells their text goes to the fallback.
type router struct {
	mu       sync.Mutex
	out      cell.Output
	ctx      context.Context // the running cell's
	fallback func(name, text string)
}

func (r *router) set(ctx context.Context, o cell.Output) {
	r.mu.Lock()
	r.ctx, r.out = ctx, o
	r.mu.Unlock()
}

func (r *router) current() cell.Output {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out
}

func (r *router) stream(name, text string) {
	if text == "" {
		return
	}
	if o := r.current(); o != nil {
		o.Stream(name, text)
		return
	}
	if r.fallback != nil {
		r.fallback(name, text)
	}
}

// streamWriter is an io.Writer for one stream of the running cell.
type streamWriter struct {
	r    *router
	name string
}

func (w streamWriter) Write(p []byte) (int, error) {
	w.r.stream(w.name, strings.ToValidUTF8(string(p), "\uFFFD"))
	return len(p), nil
}

// inputReader is yaegi's standard input: each read asks the running cell's
// front end for a line.
type inputReader struct {
	r       *router
	pending []byte
}

func (in *inputReader) Read(p []byte) (int, error) {
	if len(in.pending) == 0 {
		in.r.mu.Lock()
		o, ctx := in.r.out, in.r.ctx
		in.r.mu.Unlock()
		if o == nil {
			return 0, cell.ErrNoInput
		}
		line, err := o.Input(ctx, "", false)
		if err != nil {
			if ctx.Err() == nil {
				in.r.stream("stderr", "golora: the cell reads standard input, but "+err.Error()+"\n")
			}
			return 0, err
		}
		in.pending = []byte(line + "\n")
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	return n, nil
}

func errorf(name, format string, args ...any) *cell.Error {
	v := fmt.Sprintf(format, args...)
	return &cell.Error{Name: name, Value: v, Traceback: []string{red(name) + ": " + v}}
}

func red(s string) string   { return "\x1b[0;31m" + s + "\x1b[0m" }
func green(s string) string { return "\x1b[0;32m" + s + "\x1b[0m" }
