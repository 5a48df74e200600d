package notebook

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

	"github.com/golora/golora/runtime"
)

// crashEnv names the notebook that TestCrashChild runs in a child process,
// and crashOutEnv where it writes it.
const (
	crashEnv    = "GOLORA_CRASH_NOTEBOOK"
	crashOutEnv = "GOLORA_CRASH_OUT"
)

// TestCrashChild is the child of TestRunNotebookCrashSaysWhy: it runs a
// notebook with the descriptors captured, as golora run does. It skips in
// a normal run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestRunNotebookCrashSaysWhy")
	}
	s, err := runtime.New(runtime.Options{CaptureFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	err = Run(context.Background(), s, path, Options{Output: os.Getenv(crashOutEnv)})
	fmt.Fprintln(os.Stderr, "Run returned", err)
}

// TestRunNotebookCrashSaysWhy: golora run on a notebook whose cell
// recurses for ever exits non-zero, says why, and keeps the cells before.
// The wait includes the crash watcher's: the child's stderr pipe closes
// only when the watcher ends too.
func TestRunNotebookCrashSaysWhy(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process that crashes")
	}
	path := writeNotebook(t, `fmt.Println("before")`, "func f(n int) int { return f(n+1) + 1 }\nf(0)")
	out := path + ".out.ipynb"
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+path, crashOutEnv+"="+out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("the child did not end within 60 s; its stderr:\n%.3000s", stderr.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("%v (a watcher that keeps the child's stderr open?)\n%.3000s", err, stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code == 0 || !strings.Contains(stderr.String(), "fatal error: stack overflow") {
		t.Errorf("exit status %d, want non-zero and the reason in stderr:\n%.3000s", code, stderr.String())
	}
	if got := readOutputs(t, out); len(got[0]) != 1 || got[0][0]["text"] != "before\n" {
		t.Errorf("the notebook kept %v for the first cell", got[0])
	}
}
