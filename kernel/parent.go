package kernel

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// ParentEnv names the variable in which Jupyter gives a kernel the pid of
// the process that launched it.
const ParentEnv = "JPY_PARENT_PID"

// ParentWatch says how a kernel notices that the process that started it
// has gone. Its zero value watches the real parent process once a second
// and gives the interrupted cell a minute.
type ParentWatch struct {
	// Parent returns the pid of the kernel's parent process; nil means
	// os.Getppid.
	Parent func() int
	// Alive reports whether a process exists; nil means asking the
	// system with signal 0.
	Alive func(pid int) bool
	// Launcher is the pid of the process that launched the kernel, when it
	// is not the parent (a wrapper between them); 0 means the value of
	// JPY_PARENT_PID, a negative number none.
	Launcher int
	// Every is how often to look; 0 means a second.
	Every time.Duration
	// Grace is how long the interrupted cell may take to end before the
	// kernel shuts down anyway; 0 means a minute.
	Grace time.Duration
}

func (w ParentWatch) withDefaults() ParentWatch {
	if w.Parent == nil {
		w.Parent = os.Getppid
	}
	if w.Alive == nil {
		w.Alive = processAlive
	}
	if w.Launcher == 0 {
		w.Launcher, _ = strconv.Atoi(os.Getenv(ParentEnv))
	}
	if w.Every <= 0 {
		w.Every = time.Second
	}
	if w.Grace <= 0 {
		w.Grace = time.Minute
	}
	return w
}

// processAlive reports whether a process with pid exists.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

// WatchParent ends the kernel when the process that started it is gone: its
// parent pid changes (the kernel was adopted by init or a sub-reaper), or
// the launcher named by JPY_PARENT_PID no longer exists. It then does what
// a person would: interrupts the running cell (training saves its adapter
// and checkpoint and returns), waits up to Grace for it to end, and shuts
// the kernel down, so that Run returns as on SIGTERM. WatchParent returns
// when it has done so or when ctx is done.
func (k *Kernel) WatchParent(ctx context.Context, w ParentWatch) {
	w = w.withDefaults()
	start := w.Parent()
	tick := time.NewTicker(w.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-k.stop:
			return
		case <-tick.C:
		}
		if why := w.orphaned(start); why != "" {
			k.orphaned(why, w.Grace)
			return
		}
	}
}

// orphaned says why the kernel is orphaned, or "" if it is not.
func (w ParentWatch) orphaned(start int) string {
	if now := w.Parent(); now != start {
		return fmt.Sprintf("the kernel's parent process %d is gone (its parent is now %d)", start, now)
	}
	if w.Launcher > 0 && w.Launcher != start && !w.Alive(w.Launcher) {
		return fmt.Sprintf("the process that launched the kernel (%s=%d) is gone", ParentEnv, w.Launcher)
	}
	return ""
}

// orphaned interrupts the running cell, waits up to grace for it to end,
// and shuts the kernel down.
func (k *Kernel) orphaned(why string, grace time.Duration) {
	k.log.Printf("%s: interrupting the running cell and shutting down", why)
	k.abortQueued()
	k.Interrupt()
	if k.waitIdle(grace) {
		k.log.Printf("the running cell has ended; shutting down")
	} else {
		k.log.Printf("the interrupted cell did not end within %v; shutting down anyway", grace)
	}
	k.shutdown(false)
}
