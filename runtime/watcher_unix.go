//go:build unix

package runtime

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// crashWatcher is the process that copies a crash's last words to the real
// standard error.
type crashWatcher struct {
	alive *os.File // the write end of a pipe only this process holds
	cmd   *exec.Cmd
}

// startCrashWatcher starts the watcher of the file that t reads. Its
// standard error is stderr, the process's real one. It reads its fd 3 (a
// pipe) until this process ends, then copies fd 4 (t's descriptor, at t's
// offset) to its standard error.
func startCrashWatcher(t *tailFile, stderr *os.File) (*crashWatcher, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer pr.Close()
	cmd := exec.Command("/bin/sh", "-c", "cat <&3 >/dev/null; exec cat <&4 >&2")
	cmd.Stderr = stderr
	cmd.ExtraFiles = []*os.File{pr, t.f}
	// Its own process group: a Ctrl-C at the terminal is for golora, and
	// the watcher must outlive it to tell why it died.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return nil, fmt.Errorf("starting the crash watcher: %w", err)
	}
	return &crashWatcher{alive: pw, cmd: cmd}, nil
}

// stop ends the watcher: with the pipe closed it copies what is left
// unread (nothing, once the reader is done) and exits.
func (w *crashWatcher) stop() {
	w.alive.Close()
	go w.cmd.Wait()
}
