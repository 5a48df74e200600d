package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/golora/golora/builtins/symbols"
	"github.com/golora/golora/cell"
	"github.com/golora/golora/internal/busy"
	"github.com/golora/golora/internal/cellout"
)

// Options configures a Session.
type Options struct {
	// CaptureFDs redirects the process's standard output and error (file
	// descriptors 1 and 2) into the running cell, so that what compiled
	// builtins and C libraries write reaches the notebook too. The kernel
	// and `golora run` (runtime/notebook) set it; the REPL does not need it.
	CaptureFDs bool
	// Log receives text written to the captured descriptors between cells.
	// It defaults to the original standard error.
	Log io.Writer
}

// A Session is one notebook's interpreter state. Its methods may be called
// from several goroutines; cells run one at a time.
type Session struct {
	opts    Options
	pkgs    *packages
	route   *router
	stdin   *inputReader
	stderr  *panicFilter
	capture *capture
	console io.Writer // the process's standard error before capture
	history *history

	mu    sync.Mutex // held while a cell runs
	in    *interp.Interpreter
	state *state
	file  string // the name of the running cell's file

	intr     interruptState
	goPanics goPanics
}

// New starts a session. With CaptureFDs it redirects the process's standard
// output and error for as long as the session lives; Close restores them.
func New(opts Options) (*Session, error) {
	s := &Session{
		opts:    opts,
		pkgs:    newPackages(stdlib.Symbols, symbols.Symbols),
		route:   &router{},
		history: newHistory(),
	}
	log := opts.Log
	if log == nil {
		log = os.Stderr
	}
	if opts.CaptureFDs {
		c, logFile, err := startCapture(s.route)
		if err != nil {
			return nil, err
		}
		s.capture = c
		if opts.Log == nil {
			log = logFile
		}
	}
	s.console = log
	s.route.fallback = func(_, text string) { io.WriteString(log, text) }
	s.stdin = &inputReader{r: s.route}
	s.stderr = newPanicFilter(s.stderrSink())
	if err := s.reset(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the session and, if it captured them, gives the process
// its standard output and error back.
func (s *Session) Close() error {
	if s.capture != nil {
		return s.capture.stop()
	}
	return nil
}

// Console returns the process's standard error as it was before the session
// captured it: where a front end writes for the person at the terminal.
func (s *Session) Console() io.Writer { return s.console }

func (s *Session) stdoutSink() io.Writer {
	if s.capture != nil {
		return os.Stdout
	}
	return streamWriter{s.route, "stdout"}
}

func (s *Session) stderrSink() io.Writer {
	if s.capture != nil {
		return os.Stderr
	}
	return streamWriter{s.route, "stderr"}
}

// Reset forgets every variable, declaration and import, as a kernel restart
// would, but keeps the history.
func (s *Session) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reset()
}

func (s *Session) reset() error {
	in := interp.New(interp.Options{
		Stdin:        s.stdin,
		Stdout:       s.stdoutSink(),
		Stderr:       s.stderr,
		Unrestricted: true,
		Args:         []string{"golora"},
	})
	for _, set := range []interp.Exports{stdlib.Symbols, unrestricted.Symbols, symbols.Symbols, cellOverrides()} {
		if err := in.Use(set); err != nil {
			return fmt.Errorf("runtime: loading symbols: %w", err)
		}
	}
	s.in = in
	s.state = newState()
	// Every cell sees ctx, the context that the interrupt button cancels.
	if _, err := in.Eval(`import "context"`); err != nil {
		return fmt.Errorf("runtime: predeclaring ctx: %w", err)
	}
	s.state.imported["context"] = "context"
	if _, err := in.Eval(`var ctx context.Context = context.Background()`); err != nil {
		return fmt.Errorf("runtime: predeclaring ctx: %w", err)
	}
	s.state.globals["ctx"] = true
	return s.installGoStarter()
}

// exitCode is the panic value of os.Exit in a cell: the process must live on.
type exitCode int

// cellOverrides replaces symbols whose compiled behaviour would harm the
// kernel: os.Exit ends the cell, not the process.
func cellOverrides() interp.Exports {
	return interp.Exports{
		"os/os": {"Exit": reflect.ValueOf(func(code int) { panic(exitCode(code)) })},
	}
}

// setCtx gives the interpreted global ctx the running cell's context.
func (s *Session) setCtx(ctx context.Context) {
	if v, ok := s.globals()["ctx"]; ok && v.CanSet() && v.Type() == reflect.TypeFor[context.Context]() {
		v.Set(reflect.ValueOf(&ctx).Elem())
		return
	}
	// The user redeclared ctx with another type; give it back its meaning.
	s.in.Eval(`var ctx context.Context = context.Background()`)
	if v, ok := s.globals()["ctx"]; ok && v.CanSet() {
		v.Set(reflect.ValueOf(&ctx).Elem())
	}
}

// globals returns the interpreter's global variables and constants.
//
// yaegi v0.16.1 gives a global its slot in the interpreter's frame when it
// compiles the global, but grows the frame only when it runs a program, so
// after a cell that failed to compile, Interpreter.Globals indexes past the
// frame's end and panics ("index out of range [4] with length 4"). compile
// grows the frame after every failure (growFrame); should a slot still be
// missing, globals grows the frame and asks again, and at worst answers
// with no globals rather than a panic.
func (s *Session) globals() map[string]reflect.Value {
	if g, ok := s.tryGlobals(); ok {
		return g
	}
	s.growFrame()
	g, _ := s.tryGlobals()
	return g
}

func (s *Session) tryGlobals() (g map[string]reflect.Value, ok bool) {
	defer func() {
		if recover() != nil {
			g, ok = map[string]reflect.Value{}, false
		}
	}()
	return s.in.Globals(), true
}

// growFrame gives every global that yaegi compiled its slot in the
// interpreter's frame, by running an empty program: yaegi grows the frame
// before it runs anything.
func (s *Session) growFrame() {
	defer func() { recover() }()
	s.in.Eval("")
}

var inspectPattern = regexp.MustCompile(`^\s*(\?{0,2})\s*([\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*)\s*(\?{0,2})\s*$`)

// Execute runs one cell and returns its value or its error. What the cell
// prints and displays goes to out as it happens. Cancelling ctx, or calling
// Interrupt, interrupts the cell.
func (s *Session) Execute(ctx context.Context, code string, opts cell.ExecOptions, out cell.Output) (res cell.Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			res = s.internalError(r)
		}
	}()

	// The cell's ctx counts the builtins running for it (see run).
	cellCtx, builtins := busy.WithCounter(ctx)
	cellCtx, cancel := context.WithCancel(cellCtx)
	defer cancel()
	s.intr.begin(cancel, builtins)
	defer s.intr.end()

	s.route.set(cellCtx, out)
	restore := cellout.SetSink(out)
	defer func() {
		s.syncOutput()
		s.stderr.flush()
		restore()
		s.route.set(nil, nil)
	}()
	s.setCtx(cellCtx)
	if opts.StoreHistory {
		s.history.add(opts.Count, code)
	}
	name := "<cell>"
	if opts.Count > 0 {
		name = fmt.Sprintf("In[%d]", opts.Count)
	}
	s.goPanics.setCell(name)
	defer s.goPanics.setCell("")

	if m := inspectPattern.FindStringSubmatch(code); m != nil && (m[1] != "" || m[3] != "") {
		page, err := s.inspectText(m[2], len(m[1]) == 2 || len(m[3]) == 2)
		if err != nil {
			return cell.Outcome{Err: errorf("NameError", "%v", err)}
		}
		return cell.Outcome{Page: &page}
	}

	res = s.runSegments(cellCtx, name, code)
	if cellCtx.Err() != nil {
		// Interrupted, even if the cell's code took the cancellation in its
		// stride and ran to its end: a Run All must stop here.
		res = cell.Outcome{Err: interruptedError(res.Err)}
	}
	s.finishOutputs(res.Err != nil && res.Err.Name == "Interrupted")
	res = withGoroutinePanics(res, s.goPanics.take())
	if opts.StoreHistory && res.Value != nil {
		s.history.setOutput(opts.Count, res.Value.Text())
	}
	return res
}

// internalError is a failure of the runtime itself while it ran a cell: the
// cell fails, the session lives on, and the stack goes to the log.
func (s *Session) internalError(r any) cell.Outcome {
	fmt.Fprintf(s.console, "golora: internal error: %v\n%s", r, debug.Stack())
	return cell.Outcome{Err: errorf("InternalError", "golora failed while running this cell: %v; the session keeps its state, and the log has the stack (please report it)", r)}
}

// runSegments runs a cell's code and magic lines in order.
func (s *Session) runSegments(ctx context.Context, name, code string) cell.Outcome {
	segs := splitSegments(code)
	if len(segs) > 0 && isCellMagic(segs[0].magic) {
		return s.timeCell(ctx, name, segs[0].magic, segs[1:])
	}
	var res cell.Outcome
	for i, seg := range segs {
		if seg.magic != "" {
			if err := s.runMagic(ctx, seg.magic); err != nil {
				return cell.Outcome{Err: err}
			}
			res = cell.Outcome{}
			continue
		}
		res = s.runCode(ctx, name, seg.code)
		if res.Err != nil {
			return res
		}
		if i < len(segs)-1 {
			res.Value = nil
		}
	}
	return res
}

// syncOutput waits until what the cell wrote to the captured descriptors has
// reached its Output, so that streams and displays keep their order.
func (s *Session) syncOutput() {
	if s.capture != nil {
		s.capture.sync()
	}
}

// finishOutputs closes what a cell left open: progress bars show where they
// stopped.
func (s *Session) finishOutputs(interrupted bool) {
	cellout.End(interrupted)
}

// Names returns the global names a cell has declared, for completion.
func (s *Session) Names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.names()
}

func trimCell(code string) string { return strings.TrimSpace(code) }
