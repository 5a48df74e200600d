package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/golora/golora/cell"
)

// crashEnv names the scenario that TestCrashChild plays in a child process.
const crashEnv = "GOLORA_CRASH_CHILD"

// crashCells are the scenarios: cells run with the descriptors captured.
var crashCells = map[string]string{
	"recursion": "func f(n int) int { return f(n+1) + 1 }\nf(0)",
	// A panic in a goroutine that compiled code started (a timer's), which
	// no rewrite of the cell's go statements can recover.
	"goroutine": `time.AfterFunc(0, func() { panic("the timer's panic value") })
time.Sleep(10 * time.Second)`,
	"normal": `fmt.Fprintln(os.Stderr, "in the cell")`,
}

// TestCrashChild is the child of TestCrashSaysWhy; it skips in a normal run.
func TestCrashChild(t *testing.T) {
	name := os.Getenv(crashEnv)
	if name == "" {
		t.Skip("run by TestCrashSaysWhy")
	}
	s, err := New(Options{CaptureFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	res := s.Execute(context.Background(), crashCells[name], cell.ExecOptions{Count: 1}, &recorder{})
	fmt.Fprintln(os.Stderr, "between cells")
	s.Close()
	fmt.Fprintf(os.Stderr, "the cell returned %v\n", res.Err)
}

// runCrashChild runs TestCrashChild with a scenario and returns its exit
// status and real standard error. The wait includes the crash watcher's:
// the child's stderr pipe closes only when the watcher ends too.
func runCrashChild(t *testing.T, name string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s: the child did not end within 60 s; its stderr:\n%.3000s", name, stderr.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%s: %v (a watcher that keeps the child's stderr open?)\n%.3000s", name, err, stderr.String())
	}
	return cmd.ProcessState.ExitCode(), stderr.String()
}

// TestCrashSaysWhy: a process that dies with the descriptors captured
// exits, and its real standard error says why. With descriptor 2 a pipe,
// the stack overflow's trace filled it and the process hung; a short
// trace was lost.
func TestCrashSaysWhy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes that crash")
	}
	for name, want := range map[string]string{
		"recursion": "fatal error: stack overflow",
		"goroutine": "panic: the timer's panic value",
	} {
		code, stderr := runCrashChild(t, name)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit status %d, want non-zero and %q in stderr:\n%.3000s", name, code, want, stderr)
		}
	}
}

// TestCrashWatcherEndsWithTheProcess: in a normal run the text written
// between cells reaches the real stderr, and the watcher does not keep the
// process's stderr open (runCrashChild would time out).
func TestCrashWatcherEndsWithTheProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	code, stderr := runCrashChild(t, "normal")
	if code != 0 || !strings.Contains(stderr, "between cells") || !strings.Contains(stderr, "the cell returned <nil>") {
		t.Errorf("exit status %d, stderr:\n%s", code, stderr)
	}
}
