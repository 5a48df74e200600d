package runtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/golora/golora/builtins/display"
)

// Output receives what a running cell produces. The kernel turns it into
// Jupyter messages, RunNotebook into notebook outputs and the REPL into
// terminal text.
type Output interface {
	display.Sink
	// Stream writes text that the cell printed; name is "stdout" or "stderr".
	Stream(name, text string)
	// Input asks the person for a line of input (fmt.Scanln in a cell),
	// giving up when ctx is done. It returns an error when the front end
	// cannot ask.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// ErrNoInput is returned by an Output's Input when the front end cannot ask
// for input, such as a Jupyter request with allow_stdin false.
var ErrNoInput = errors.New("this front end does not accept input: give the value in the cell instead of reading it")

// Error is a cell's failure as a notebook shows it: a name (SyntaxError,
// CompileError, Panic, Interrupted, …), a one-line value, and a traceback
// whose lines may carry ANSI colours.
type Error struct {
	Name      string
	Value     string
	Traceback []string
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// Result is what Execute returns for a cell.
type Result struct {
	// Value is the rendering of the cell's last expression, nil when the
	// cell ends with a statement or with a value that shows nothing (a nil
	// error, the byte count of fmt.Println).
	Value *display.Bundle
	// Page holds help text for a pager (a cell such as `strings.ToUpper?`).
	Page *display.Bundle
	// Err is nil when the cell ran to its end.
	Err *Error
}

// router forwards the running cell's output to its Output. Writers created
// once (yaegi's stdout and stderr, the descriptor capture) stay valid across
// cells: between cells their text goes to the fallback.
type router struct {
	mu       sync.Mutex
	out      Output
	ctx      context.Context // the running cell's
	fallback func(name, text string)
}

func (r *router) set(ctx context.Context, o Output) {
	r.mu.Lock()
	r.ctx, r.out = ctx, o
	r.mu.Unlock()
}

func (r *router) current() Output {
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
			return 0, ErrNoInput
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

func errorf(name, format string, args ...any) *Error {
	v := fmt.Sprintf(format, args...)
	return &Error{Name: name, Value: v, Traceback: []string{red(name) + ": " + v}}
}

func red(s string) string   { return "\x1b[0;31m" + s + "\x1b[0m" }
func green(s string) string { return "\x1b[0;32m" + s + "\x1b[0m" }
