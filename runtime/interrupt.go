package runtime

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/traefik/yaegi/interp"
)

// How an interrupt stops a cell.
//
// Interrupting cancels the cell's ctx. Builtins that run long (training,
// generation, perplexity) check ctx at every step and return what they
// finished — a partial training run with its adapter saved — and the cell's
// interpreted code goes on with that value. Interpreted code itself (a
// `for {}` loop) does not look at ctx: yaegi stops it only by abandoning
// the run, which would also throw away a builtin's result. So after an
// interrupt the runtime watches the goroutine that runs the cell: while a
// builtin is on top of its stack the builtin is finishing its step, and the
// runtime waits; once interpreted code or anything else has been running
// for afterBuiltin, or after builtinGrace, or at a second interrupt, it
// stops the interpreter.
const builtinGrace = 2 * time.Minute

// afterBuiltin is how long interpreted code may run after a builtin
// returned from an interrupt, to store the builtin's result, before the
// runtime stops it.
const afterBuiltin = 300 * time.Millisecond

// pollInterval is how often an interrupted cell's goroutine is looked at.
const pollInterval = 50 * time.Millisecond

type interruptState struct {
	mu     sync.Mutex
	cancel context.CancelFunc
	count  int
	hard   chan struct{}
}

func (st *interruptState) begin(cancel context.CancelFunc) {
	st.mu.Lock()
	st.cancel, st.count, st.hard = cancel, 0, make(chan struct{})
	st.mu.Unlock()
}

func (st *interruptState) end() {
	st.mu.Lock()
	st.cancel = nil
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
	var gid atomic.Int64
	go func() {
		gid.Store(goroutineID())
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
		if inBuiltin(gid.Load()) {
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

func goroutineID() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		id, _ := strconv.ParseInt(string(b[:i]), 10, 64)
		return id
	}
	return 0
}

const (
	interpPkg   = "github.com/traefik/yaegi/interp."
	builtinsPkg = "github.com/golora/golora/builtins/"
)

// inBuiltin reports whether the goroutine that ExecuteWithContext started
// from goroutine parent is running a golora builtin, that is whether a
// builtins frame is above the innermost interpreter frame of its stack.
func inBuiltin(parent int64) bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	created := []byte("created by " + interpPkg + "(*Interpreter).ExecuteWithContext in goroutine " + strconv.FormatInt(parent, 10) + "\n")
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if !bytes.Contains(g, created) {
			continue
		}
		for _, line := range bytes.Split(g, []byte("\n")) {
			switch {
			case bytes.HasPrefix(line, []byte(builtinsPkg)):
				return true
			case bytes.HasPrefix(line, []byte(interpPkg)):
				return false
			}
		}
	}
	return false
}
