package runtime

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	"github.com/golora/golora/internal/busy"
	"github.com/traefik/yaegi/interp"
)

// How an interrupt stops a cell.
//
// Interrupting cancels the cell's ctx. Builtins that run long (training,
// generation, perplexity) check ctx at every step and return what they
// finished — a partial training run with its adapter saved — and the cell's
// interpreted code goes on with that value. Interpreted code itself (a
// `for {}` loop) does not look at ctx: yaegi stops it only by abandoning
// the run, which would also throw away a builtin's result. So the cell's
// ctx carries a busy.Counter, and every builtin that takes a ctx counts
// itself in it for as long as it runs (busy.Enter at its boundary). After
// an interrupt the runtime reads the counter: while a builtin runs, the
// builtin is finishing its step, and the runtime waits; once no builtin has
// run for afterBuiltin, or after builtinGrace, or at a second interrupt, it
// stops the interpreter.
//
// The runtime waits only for what the counter shows. A builtin that takes
// no ctx (Model.Save) is not counted: an interrupt while it runs ends the
// cell at once; the compiled call goes on to its end in the background (a
// Save still writes its file), but the cell's code after it does not run.
// A builtin is counted wherever it runs with the cell's ctx, in a goroutine
// that the cell started too, and for as long as it runs, also while it
// calls back into a function of the cell: interpreted code in such a
// callback is stopped only after builtinGrace or at a second interrupt.
const builtinGrace = 2 * time.Minute

// afterBuiltin is how long interpreted code may run after a builtin
// returned from an interrupt, to store the builtin's result, before the
// runtime stops it.
const afterBuiltin = 300 * time.Millisecond

// pollInterval is how often an interrupted cell's busy counter is read.
const pollInterval = 50 * time.Millisecond

type interruptState struct {
	mu       sync.Mutex
	cancel   context.CancelFunc
	builtins *busy.Counter // the running cell's
	count    int
	hard     chan struct{}
}

// begin records the running cell's cancel function and the counter of its
// builtins.
func (st *interruptState) begin(cancel context.CancelFunc, builtins *busy.Counter) {
	st.mu.Lock()
	st.cancel, st.builtins, st.count, st.hard = cancel, builtins, 0, make(chan struct{})
	st.mu.Unlock()
}

func (st *interruptState) end() {
	st.mu.Lock()
	st.cancel, st.builtins = nil, nil
	st.mu.Unlock()
}

// Interrupt interrupts the running cell, if any: the first call cancels its
// ctx, a second one stops it at once.
func (s *Session) Interrupt() {
	st := &s.intr
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.cancel == nil {
		return
	}
	st.count++
	st.cancel()
	if st.count == 2 {
		close(st.hard)
	}
}

func (st *interruptState) hardChan() <-chan struct{} {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.hard
}

// builtinRunning reports whether a builtin is running for the cell.
func (st *interruptState) builtinRunning() bool {
	st.mu.Lock()
	c := st.builtins
	st.mu.Unlock()
	return c != nil && c.Running() > 0
}

// errHardStop marks a run that the runtime stopped.
var errHardStop = errors.New("interrupted")

// run executes a compiled program and stops it as described above when ctx
// is cancelled.
func (s *Session) run(ctx context.Context, prog *interp.Program) (reflect.Value, error) {
	stopCtx, stop := context.WithCancel(context.Background())
	defer stop()
	type result struct {
		v   reflect.Value
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := s.in.ExecuteWithContext(stopCtx, prog)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
	}
	deadline := time.Now().Add(builtinGrace)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	hard := s.intr.hardChan()
	var lastBuiltin time.Time
wait:
	for time.Now().Before(deadline) {
		if s.intr.builtinRunning() {
			lastBuiltin = time.Now()
		} else if time.Since(lastBuiltin) > afterBuiltin {
			break
		}
		select {
		case r := <-done:
			return r.v, r.err
		case <-hard:
			break wait
		case <-tick.C:
		}
	}
	select {
	case r := <-done:
		return r.v, r.err
	default:
	}
	stop()
	<-done
	return reflect.Value{}, errHardStop
}
