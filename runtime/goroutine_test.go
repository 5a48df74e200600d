package runtime

import (
	"strings"
	"testing"
	"time"
)

// TestGoroutinePanicFailsItsCell: a panic in a goroutine that a cell
// started used to end the process.
func TestGoroutinePanicFailsItsCell(t *testing.T) {
	s := newSession(t)
	res, _ := try(s, `done := make(chan bool)
go func() { defer close(done); panic("from a goroutine") }()
<-done
time.Sleep(10 * time.Millisecond)`)
	if res.Err == nil || !strings.Contains(res.Err.Value, "from a goroutine") {
		t.Fatalf("the cell's error is %v, want the goroutine's panic", res.Err)
	}
	if got := value(t, s, "1+1"); got != "2" {
		t.Fatalf("1+1 = %s after a goroutine's panic", got)
	}
}

// TestGoroutinePanicAfterItsCellFailsTheNext: a goroutine that panics once
// its cell has finished reports on the next cell.
func TestGoroutinePanicAfterItsCellFailsTheNext(t *testing.T) {
	s := newSession(t)
	run(t, s, `release := make(chan bool)
go func() { <-release; panic("late") }()`)
	release := s.globals()["release"]
	release.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.goPanics.mu.Lock()
		n := len(s.goPanics.pending)
		s.goPanics.mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the goroutine's panic was not recovered")
		}
		time.Sleep(time.Millisecond)
	}
	res, _ := try(s, "1+1")
	if res.Err == nil || !strings.Contains(res.Err.Value, "late") || !strings.Contains(res.Err.Value, "In[") {
		t.Fatalf("the next cell's error is %v, want the goroutine's panic and the cell that started it", res.Err)
	}
	if got := value(t, s, "1+1"); got != "2" {
		t.Fatalf("1+1 = %s after the report", got)
	}
}

// TestGoStatementEvaluatesAtOnce: the rewritten go statement still
// evaluates the function and its arguments where it stands, keeps untyped
// constants typed by the parameter, and runs predeclared functions.
func TestGoStatementEvaluatesAtOnce(t *testing.T) {
	s := newSession(t)
	run(t, s, `type Acc struct{ N int }
func (a *Acc) Add(n int, f float64, done chan int) { a.N += n + int(f); done <- a.N }
const three = 3`)
	got := value(t, s, `acc := &Acc{}
done := make(chan int)
x := 1
fn := acc.Add
go fn(x, 2, done)
x = 100
fn = nil
first := <-done
go acc.Add(x, three, done)
second := <-done
ch := make(chan int)
go close(ch)
for range ch {
}
closed := true
func() {
	for i := 0; i < 2; i++ {
		go func(k int) { done <- k }(i * 10)
	}
}()
third := <-done + <-done
calls := 0
next := func() int { calls++; return calls }
go acc.Add(next(), 0, done)
seen := calls
<-done
[]any{first, second, closed, third, seen}`)
	if got != "[3 106 true 10 1]" {
		t.Fatalf("got %s, want [3 106 true 10 1]", got)
	}
}
