package runtime

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/golora/golora/internal/busy"
)

// TestInterruptWaitsForABuiltin: after an interrupt the runtime waits for a
// builtin that marked itself busy to finish its step, lets the cell store
// what it returned, and then stops the interpreted loop that follows.
func TestInterruptWaitsForABuiltin(t *testing.T) {
	s := newSession(t)
	finish := 4 * afterBuiltin // longer than interpreted code may run after an interrupt
	giveCell(t, s, "step", "func(context.Context) int", func(ctx context.Context) int {
		defer busy.Enter(ctx)()
		go s.Interrupt() // the interrupt comes while the builtin runs
		<-ctx.Done()
		time.Sleep(finish)
		return 7
	})
	start := time.Now()
	res, rec := try(s, `n := step(ctx)
fmt.Println("step returned", n)
for {
}`)
	elapsed := time.Since(start)
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("the cell's error is %+v, want Interrupted", res.Err)
	}
	if got := rec.stdout.String(); got != "step returned 7\n" {
		t.Errorf("stdout %q, want the builtin's result printed", got)
	}
	if elapsed < finish || elapsed > 10*time.Second {
		t.Errorf("the cell ended after %s, want the builtin's %s and not much more", elapsed, finish)
	}
	if got := value(t, s, "n"); got != "7" {
		t.Errorf("n = %s after the interrupt, want the builtin's 7", got)
	}
}

// TestSecondInterruptStopsABuiltin: a builtin that does not return is
// waited for until a second interrupt, which stops the cell at once.
func TestSecondInterruptStopsABuiltin(t *testing.T) {
	s := newSession(t)
	release := make(chan struct{})
	defer close(release)
	second := 4 * afterBuiltin // after the first, which comes while the builtin runs
	giveCell(t, s, "stuck", "func(context.Context) int", func(ctx context.Context) int {
		defer busy.Enter(ctx)()
		s.Interrupt()
		time.AfterFunc(second, s.Interrupt)
		<-release
		return 7
	})
	start := time.Now()
	res, rec := try(s, `n := stuck(ctx)
fmt.Println("stuck returned", n)`)
	elapsed := time.Since(start)
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("the cell's error is %+v, want Interrupted", res.Err)
	}
	if got := rec.stdout.String(); got != "" {
		t.Errorf("stdout %q, want nothing", got)
	}
	if elapsed < second || elapsed > second+5*time.Second {
		t.Errorf("the cell ended after %s, want soon after the second interrupt at %s", elapsed, second)
	}
}

// TestInterruptDoesNotWaitForAnUnmarkedCall: a compiled call that does not
// mark itself busy (a builtin without ctx) is not waited for: the cell
// ends at once, and its code after the call does not run.
func TestInterruptDoesNotWaitForAnUnmarkedCall(t *testing.T) {
	s := newSession(t)
	work := 3 * time.Second
	giveCell(t, s, "save", "func() string", func() string {
		go s.Interrupt() // the interrupt comes while the call runs
		time.Sleep(work)
		return "saved"
	})
	start := time.Now()
	res, rec := try(s, `r := save()
fmt.Println(r)`)
	elapsed := time.Since(start)
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("the cell's error is %+v, want Interrupted", res.Err)
	}
	if got := rec.stdout.String(); strings.Contains(got, "saved") {
		t.Errorf("stdout %q: the cell went on after the interrupt", got)
	}
	if elapsed >= work {
		t.Errorf("the cell ended after %s: the runtime waited for an unmarked call", elapsed)
	}
}
