package kernel

import (
	"context"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeParent is a parent pid that a test changes; asked is closed when
// the watch first asks for it.
type fakeParent struct {
	pid   atomic.Int64
	once  sync.Once
	asked chan struct{}
}

func newFakeParent(pid int) *fakeParent {
	p := &fakeParent{asked: make(chan struct{})}
	p.pid.Store(int64(pid))
	return p
}

func (p *fakeParent) get() int {
	p.once.Do(func() { close(p.asked) })
	return int(p.pid.Load())
}

func TestOrphanedKernelInterruptsTheCellThenStops(t *testing.T) {
	eval := newFakeEval()
	tk := startKernel(t, eval, nil)
	parent := newFakeParent(4242)
	go tk.WatchParent(context.Background(), ParentWatch{Parent: parent.get, Launcher: -1, Every: 10 * time.Millisecond})
	<-parent.asked

	shell := tk.dealer(t, tk.conn.ShellPort)
	shell.send(shell.request("execute_request", map[string]any{"code": "block"}))
	shell.send(shell.request("execute_request", map[string]any{"code": "queued"}))
	if code := <-eval.started; code != "block" {
		t.Fatalf("first cell %q", code)
	}
	select {
	case <-tk.done:
		t.Fatal("the kernel stopped while its parent lives")
	case <-time.After(100 * time.Millisecond):
	}

	parent.pid.Store(1) // adopted by init: the parent has died
	select {
	case err := <-tk.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("the orphaned kernel did not stop")
	}
	if got := eval.ran(); !slices.Equal(got, []string{"block", "saved"}) {
		t.Errorf("cells: %q, want the running one interrupted (and saved) and the queued one not run", got)
	}
	if log := tk.log.String(); !strings.Contains(log, "parent process 4242 is gone") || !strings.Contains(log, "the running cell has ended") {
		t.Errorf("the log does not say why the kernel stopped:\n%s", log)
	}
	tk.done <- nil // for the cleanup
}

func TestOrphanedKernelStopsWhenTheCellIgnoresInterrupt(t *testing.T) {
	eval := newFakeEval()
	defer close(eval.release)
	tk := startKernel(t, eval, nil)
	parent := newFakeParent(4242)
	go tk.WatchParent(context.Background(), ParentWatch{Parent: parent.get, Launcher: -1, Every: 10 * time.Millisecond, Grace: 50 * time.Millisecond})
	<-parent.asked
	shell := tk.dealer(t, tk.conn.ShellPort)
	shell.send(shell.request("execute_request", map[string]any{"code": "stubborn"}))
	<-eval.started
	parent.pid.Store(77) // adopted by a sub-reaper
	select {
	case <-tk.done:
	case <-time.After(wait):
		t.Fatal("the orphaned kernel waited for a cell that ignores interrupts")
	}
	if !strings.Contains(tk.log.String(), "did not end within 50ms") {
		t.Errorf("the log does not say the cell was left running:\n%s", tk.log)
	}
	tk.done <- nil
}

func TestParentWatchSeesTheLauncherGo(t *testing.T) {
	alive := true
	w := ParentWatch{Parent: func() int { return 10 }, Alive: func(pid int) bool { return pid != 20 || alive }, Launcher: 20}
	if why := w.orphaned(10); why != "" {
		t.Errorf("orphaned while parent and launcher live: %s", why)
	}
	alive = false
	if why := w.orphaned(10); !strings.Contains(why, "JPY_PARENT_PID=20") {
		t.Errorf("launcher gone: %q, want a reason naming JPY_PARENT_PID", why)
	}
	// A launcher that is the parent is watched as the parent.
	w.Launcher = 10
	if why := w.orphaned(10); why != "" {
		t.Errorf("launcher = parent: %s", why)
	}
}

func TestProcessAlive(t *testing.T) {
	if !processAlive(os.Getpid()) {
		t.Error("this process is not alive")
	}
}
