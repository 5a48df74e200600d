package cell

import (
	"context"
	"errors"

	"github.com/golora/golora/output"
)

// Output receives what a running cell produces. The kernel turns it into
// Jupyter messages, `golora run` into notebook outputs and the REPL into
// terminal text.
type Output interface {
	output.Sink
	// Stream writes text that the cell printed; name is "stdout" or "stderr".
	Stream(name, text string)
	// Input asks the person for a line of input (fmt.Scanln in a cell),
	// giving up when ctx is done. It returns an error, ErrNoInput or one
	// that wraps it, when the front end cannot ask.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// ErrNoInput is returned by an Output's Input when the front end cannot ask
// for input, such as a Jupyter request with allow_stdin false.
var ErrNoInput = errors.New("this front end does not accept input: give the value in the cell instead of reading it")

// ExecOptions describes one execution of a cell.
type ExecOptions struct {
	// Count is the execution count, which names the cell in tracebacks
	// (In[Count]) and numbers its history entry. Zero names it "<cell>"
	// (a silent execution).
	Count int
	// StoreHistory records the cell in the history.
	StoreHistory bool
}

// Outcome is how a cell ended.
type Outcome struct {
	// Value is the rendering of the cell's last expression, nil when the
	// cell ends with a statement or with a value that shows nothing (a nil
	// error, the byte count of fmt.Println).
	Value *output.Bundle
	// Page holds help text for a pager (a cell such as `strings.ToUpper?`).
	Page *output.Bundle
	// Err is nil when the cell ran to its end.
	Err *Error
}

// Error is a cell's failure as a notebook shows it, the content of a
// Jupyter error message: a name (SyntaxError, CompileError, Panic,
// Interrupted, …), a one-line value, and a traceback whose lines may carry
// ANSI colours.
type Error struct {
	Name      string
	Value     string
	Traceback []string
}

func (e *Error) Error() string { return e.Name + ": " + e.Value }

// Completion is the answer to a Tab press: the candidates that replace the
// text between Start and End (Unicode characters, as Jupyter counts), and
// the kind of each (function, variable, class, module, keyword, field).
type Completion struct {
	Matches    []string
	Kinds      []string
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
	Line    int // the cell's execution count
	Input   string
	Output  string // text of the cell's value, if it had one
}
