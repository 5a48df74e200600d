package display

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golora/golora/internal/cellout"
)

// fakeClock is a clock that moves only when told, running due timers.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at     time.Time
	f      func()
	closed bool // fired or stopped
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.closed
		t.closed = true
		return was
	}
}

// Advance moves the clock by d and runs the timers that fall due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	for _, t := range c.timers {
		if !t.closed && !t.at.After(c.now) {
			t.closed = true
			due = append(due, t)
		}
	}
	c.mu.Unlock()
	for _, t := range due {
		t.f()
	}
}

// barSink records what bars publish, with the time of each, safely across
// goroutines.
type barSink struct {
	mu     sync.Mutex
	clock  interface{ Now() time.Time }
	kinds  []string
	texts  []string
	htmls  []string
	times  []time.Time
	byID   map[ID]string
	lastID ID
}

func (s *barSink) record(kind string, b Bundle, id ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kinds = append(s.kinds, kind)
	s.texts = append(s.texts, b.Text())
	h, _ := b.Data[MIMEHTML].(string)
	s.htmls = append(s.htmls, h)
	if s.clock != nil {
		s.times = append(s.times, s.clock.Now())
	}
	if s.byID == nil {
		s.byID = map[ID]string{}
	}
	s.byID[id] = b.Text()
	s.lastID = id
}

func (s *barSink) Display(b Bundle, id ID) { s.record("display", b, id) }
func (s *barSink) Update(b Bundle, id ID)  { s.record("update", b, id) }
func (s *barSink) ClearOutput(bool)        {}

func (s *barSink) last() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.texts[len(s.texts)-1]
}

func (s *barSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.texts)
}

// install makes s the sink and forgets bars that earlier tests left running.
func (s *barSink) install(t *testing.T) {
	restore := cellout.SetSink(&barSink{})
	cellout.End(false)
	restore()
	t.Cleanup(cellout.SetSink(s))
}

func TestBarText(t *testing.T) {
	for _, tc := range []struct {
		s    barState
		want string
	}{
		{barState{label: "train", n: 42, total: 100, elapsed: 13500 * time.Millisecond, running: true, info: "loss 2.31"},
			"train  42/100 [========>           ] 42%  3.1 it/s  0:13<0:18  loss 2.31"},
		{barState{label: "read", n: 7, elapsed: 3 * time.Second, running: true},
			"read  7 it  2.3 it/s  0:03"},
		{barState{label: "x", n: 100, total: 100, elapsed: 65 * time.Second, done: true},
			"x  100/100 [====================] 100%  1.5 it/s  1:05"},
		{barState{n: 2, total: 10, elapsed: 5 * time.Second, interrupted: true},
			"2/10 [====>               ] 20%  2.5 s/it  0:05  interrupted"},
		{barState{label: "slow", n: 0, total: 10, elapsed: 3725 * time.Second, running: true},
			"slow  0/10 [>                   ] 0%  ? it/s  1:02:05<?"},
		{barState{label: "over", n: 12, total: 10, elapsed: 2 * time.Second, running: true},
			"over  12/10 [====================] 100%  6.0 it/s  0:02<0:00"},
	} {
		if got := tc.s.text(); got != tc.want {
			t.Errorf("text\n got %q\nwant %q", got, tc.want)
		}
	}
}

func TestBarHTML(t *testing.T) {
	h := barState{label: "<b>", n: 42, total: 100, elapsed: time.Second, running: true, info: "a & b"}.html()
	for _, want := range []string{"width:42.0%", "&lt;b&gt;", "a &amp; b", "42/100 42%"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q: %s", want, h)
		}
	}
	if strings.Contains(h, "<b>") {
		t.Errorf("label not escaped: %s", h)
	}
}

func TestBarRateLimit(t *testing.T) {
	clk := newFakeClock()
	sink := &barSink{clock: clk}
	sink.install(t)
	b := newBar(100, "steps", clk)
	if sink.count() != 1 || sink.kinds[0] != "display" {
		t.Fatalf("a new bar must display once, got %v", sink.kinds)
	}
	for range 100 {
		clk.Advance(7 * time.Millisecond)
		b.Add(1)
	}
	clk.Advance(minUpdateGap) // lets the held-back state through
	n := sink.count()
	// 700 ms of changes: one update per 100 ms, plus the display and the
	// final flush.
	if n < 7 || n > 9 {
		t.Errorf("%d outputs for 100 changes over 700 ms, want 7 to 9", n)
	}
	for i := 1; i < len(sink.times); i++ {
		if gap := sink.times[i].Sub(sink.times[i-1]); gap < minUpdateGap {
			t.Errorf("outputs %d and %d only %v apart", i-1, i, gap)
		}
	}
	// The held-back state goes out when the clock reads 800 ms: 100 items
	// in 0.8 s.
	if got := sink.last(); got != "steps  100/100 [====================] 100%  125 it/s  0:00<0:00" {
		t.Errorf("last output %q, want the final count", got)
	}
	for _, k := range sink.kinds[1:] {
		if k != "update" {
			t.Errorf("later outputs must update in place: %v", sink.kinds)
			break
		}
	}
}

func TestBarDoneIsImmediate(t *testing.T) {
	clk := newFakeClock()
	sink := &barSink{clock: clk}
	sink.install(t)
	b := newBar(4, "eval", clk)
	clk.Advance(10 * time.Millisecond)
	b.Set(3)
	clk.Advance(10 * time.Millisecond)
	b.SetInfo("ppl 7.2")
	if sink.count() != 1 {
		t.Fatalf("changes within 100 ms were shown at once: %v", sink.texts)
	}
	clk.Advance(10 * time.Millisecond)
	b.Done()
	if sink.count() != 2 || sink.last() != "eval  3/4 [===============>    ] 75%  100 it/s  0:00  ppl 7.2" {
		t.Fatalf("Done must show the final state at once: %q", sink.texts)
	}
	clk.Advance(time.Second)
	b.Add(1)
	clk.Advance(time.Second)
	if sink.count() != 2 {
		t.Errorf("output after Done: %q", sink.texts)
	}
}

func TestBarsFinishAtCellEnd(t *testing.T) {
	clk := newFakeClock()
	sink := &barSink{clock: clk}
	sink.install(t)
	running := newBar(10, "running", clk)
	done := newBar(10, "done", clk)
	clk.Advance(time.Second)
	running.Add(4)
	done.Add(10)
	done.Done()
	clk.Advance(50 * time.Millisecond)
	running.Add(1) // held back by the rate limit
	before := sink.count()
	cellout.End(true)
	if sink.count() != before+1 {
		t.Fatalf("the end of the cell published %d outputs, want 1: %q", sink.count()-before, sink.texts[before:])
	}
	if got, want := sink.last(), "running  5/10 [==========>         ] 50%  4.8 it/s  0:01  interrupted"; got != want {
		t.Errorf("interrupted bar shows %q, want %q", got, want)
	}
	clk.Advance(time.Second) // the held-back flush must not bring back the running form
	cellout.End(false)
	if sink.count() != before+1 {
		t.Errorf("bars were not forgotten: %q", sink.texts[before:])
	}
	running.Add(1)
	if got := sink.last(); strings.Contains(got, "interrupted") || !strings.Contains(got, "6/10") {
		t.Errorf("a bar used again must run again: %q", got)
	}
	cellout.End(false)
	if got := sink.last(); !strings.HasSuffix(got, "0:02") {
		t.Errorf("a bar stopped at the end of a cell shows no time left: %q", got)
	}
}

func TestBarConcurrent(t *testing.T) {
	sink := &barSink{}
	sink.install(t)
	b := Progress(0, "parallel")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				b.Add(1)
				if i%100 == 0 {
					b.SetInfo("worker " + string(rune('0'+g)))
				}
			}
		}()
	}
	wg.Wait()
	b.Done()
	if got := sink.last(); !strings.HasPrefix(got, "parallel  4000 it  ") {
		t.Errorf("final output %q, want 4000 items", got)
	}
	if len(sink.byID) != 1 {
		t.Errorf("a bar used %d outputs, want 1", len(sink.byID))
	}
}
