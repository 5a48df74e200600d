package display

import (
	"fmt"
	"html"
	"strings"
	"sync"
	"time"

	"github.com/golora/golora/internal/cellout"
)

// minUpdateGap is the shortest time between two updates of a bar's output:
// at most 10 a second, so that a fast loop does not flood the front end.
const minUpdateGap = 100 * time.Millisecond

// barWidth is the number of characters of the text bar between brackets.
const barWidth = 20

// A Bar is a progress bar shown in one output of the notebook and updated in
// place: count and total, percent, rate, elapsed time and the estimated time
// left, with a line of free text. Its methods are safe to call from several
// goroutines.
//
// Updates reach the front end at most 10 times a second; the latest state is
// always shown within 100 ms, and Done shows the final one at once. A bar
// that a cell leaves without calling Done shows where it stopped when the
// cell ends, marked "interrupted" when the cell was.
type Bar struct {
	clock clock
	id    ID
	label string
	total int
	start time.Time

	// publishMu keeps the bar's updates in order: a state is read and sent
	// while it is held, so an older state never overwrites a newer one.
	publishMu sync.Mutex

	mu          sync.Mutex
	n           int
	info        string
	done        bool
	interrupted bool
	stoppedAt   time.Time // when Done or the cell's end stopped the clock; zero while running
	lastShown   time.Time
	dirty       bool        // state changed since it was last shown
	timer       func() bool // stops the pending flush, if any
}

// clock tells the time and runs functions later; tests replace it.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// bars holds the bars shown and not yet Done, for finishBars. Like the
// shown IDs, it is process state: there is one notebook per process.
var bars struct {
	mu   sync.Mutex
	live map[*Bar]bool
}

func init() { cellout.AtEnd(finishBars) }

// Progress shows a progress bar for total items (total ≤ 0: an unknown
// number, shown without percent and time left) named label, and returns it:
//
//	bar := display.Progress(len(rows), "tokenizing")
//	for _, r := range rows {
//		…
//		bar.Add(1)
//	}
//	bar.Done()
func Progress(total int, label string) *Bar {
	return newBar(total, label, systemClock{})
}

func newBar(total int, label string, c clock) *Bar {
	now := c.Now()
	b := &Bar{clock: c, id: NewID(), label: label, total: max(total, 0), start: now, lastShown: now}
	b.track()
	b.publish()
	return b
}

// Add counts n more items done.
func (b *Bar) Add(n int) { b.change(func() { b.n += n }) }

// Set sets the number of items done to n.
func (b *Bar) Set(n int) { b.change(func() { b.n = n }) }

// SetInfo sets the free text shown after the times, such as
// "loss 2.31 lr 3e-4".
func (b *Bar) SetInfo(s string) { b.change(func() { b.info = s }) }

// Done shows the bar's final state at once. Changes after Done are ignored.
func (b *Bar) Done() {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return
	}
	b.done = true
	b.stopLocked()
	b.mu.Unlock()
	b.untrack()
	b.publish()
}

// finishBars runs at the end of every cell (the runtime calls
// cellout.End). It shows the final state of each bar that is not Done,
// marked "interrupted" when the cell was, and stops tracking them; a bar
// used again later is tracked again.
func finishBars(interrupted bool) {
	bars.mu.Lock()
	live := bars.live
	bars.live = nil
	bars.mu.Unlock()
	for b := range live {
		b.mu.Lock()
		b.interrupted = interrupted
		b.stopLocked()
		b.mu.Unlock()
		b.publish()
	}
}

// change applies a change of state and shows it now, or within 100 ms when
// the bar was shown less than 100 ms ago.
func (b *Bar) change(apply func()) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return
	}
	apply()
	b.interrupted = false
	b.stoppedAt = time.Time{}
	b.dirty = true
	now := b.clock.Now()
	wait := minUpdateGap - now.Sub(b.lastShown)
	if wait > 0 {
		if b.timer == nil {
			b.timer = b.clock.AfterFunc(wait, b.flush)
		}
		b.mu.Unlock()
		b.track()
		return
	}
	b.lastShown = now // claims this update, so that concurrent changes wait
	b.mu.Unlock()
	b.track()
	b.publish()
}

// flush shows a change held back by the rate limit.
func (b *Bar) flush() {
	b.mu.Lock()
	b.timer = nil
	show := b.dirty && !b.done
	b.mu.Unlock()
	if show {
		b.publish()
	}
}

// stopLocked stops the bar's clock and its pending flush.
func (b *Bar) stopLocked() {
	b.stoppedAt = b.clock.Now()
	if b.timer != nil {
		b.timer()
		b.timer = nil
	}
}

func (b *Bar) track() {
	bars.mu.Lock()
	defer bars.mu.Unlock()
	if bars.live == nil {
		bars.live = map[*Bar]bool{}
	}
	b.mu.Lock()
	if !b.done {
		bars.live[b] = true
	}
	b.mu.Unlock()
}

func (b *Bar) untrack() {
	bars.mu.Lock()
	delete(bars.live, b)
	bars.mu.Unlock()
}

// publish shows the current state in the bar's output.
func (b *Bar) publish() {
	b.publishMu.Lock()
	defer b.publishMu.Unlock()
	b.mu.Lock()
	if now := b.clock.Now(); now.After(b.lastShown) {
		b.lastShown = now
	}
	b.dirty = false
	s := b.stateLocked()
	b.mu.Unlock()
	Update(b.id, s.bundle())
}

// Render returns the bar's current state as a bundle, so that a bar that is
// a cell's value shows itself.
func (b *Bar) Render() Bundle {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stateLocked().bundle()
}

// String returns the bar's current state as one line of text.
func (b *Bar) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stateLocked().text()
}

// barState is a bar at one moment, ready to be shown.
type barState struct {
	label       string
	n, total    int
	info        string
	elapsed     time.Duration
	running     bool
	done        bool
	interrupted bool
}

func (b *Bar) stateLocked() barState {
	end, running := b.stoppedAt, b.stoppedAt.IsZero()
	if running {
		end = b.clock.Now()
	}
	return barState{
		label: b.label, n: b.n, total: b.total, info: b.info, elapsed: end.Sub(b.start),
		running: running, done: b.done, interrupted: b.interrupted,
	}
}

func (s barState) bundle() Bundle {
	return NewBundle(MIMEHTML, s.html(), s.text())
}

// fraction returns the share done, within [0, 1], and whether it is known.
func (s barState) fraction() (float64, bool) {
	if s.total <= 0 {
		return 0, false
	}
	return min(1, max(0, float64(s.n)/float64(s.total))), true
}

// rate returns items per second in text: "3.1 it/s", or "2.5 s/it" when
// slower than one a second.
func (s barState) rate() string {
	secs := s.elapsed.Seconds()
	if s.n <= 0 || secs <= 0 {
		return "? it/s"
	}
	r := float64(s.n) / secs
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f it/s", r)
	case r >= 1:
		return fmt.Sprintf("%.1f it/s", r)
	}
	return fmt.Sprintf("%.1f s/it", 1/r)
}

// times returns elapsed time, and the time left ("0:13<0:18") while the
// total is known and the bar running.
func (s barState) times() string {
	t := clockTime(s.elapsed)
	if s.total <= 0 || !s.running {
		return t
	}
	if s.n <= 0 || s.elapsed <= 0 {
		return t + "<?"
	}
	left := time.Duration(float64(s.elapsed) * float64(max(0, s.total-s.n)) / float64(s.n))
	return t + "<" + clockTime(left)
}

// clockTime formats d as m:ss, or h:mm:ss from an hour on.
func clockTime(d time.Duration) string {
	secs := int(d.Seconds())
	if secs >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	}
	return fmt.Sprintf("%d:%02d", secs/60, secs%60)
}

func (s barState) count() string {
	if s.total <= 0 {
		return fmt.Sprintf("%d it", s.n)
	}
	return fmt.Sprintf("%d/%d", s.n, s.total)
}

// text is the plain form:
// "label  42/100 [========>           ] 42%  3.1 it/s  0:13<0:18  info".
func (s barState) text() string {
	parts := []string{}
	if s.label != "" {
		parts = append(parts, s.label)
	}
	count := s.count()
	if f, ok := s.fraction(); ok {
		filled := int(f * barWidth)
		bar := strings.Repeat("=", filled)
		if filled < barWidth {
			bar += ">" + strings.Repeat(" ", barWidth-filled-1)
		}
		count += fmt.Sprintf(" [%s] %d%%", bar, int(f*100))
	}
	parts = append(parts, count, s.rate(), s.times())
	if s.info != "" {
		parts = append(parts, s.info)
	}
	if s.interrupted {
		parts = append(parts, "interrupted")
	}
	return strings.Join(parts, "  ")
}

// Colours of the HTML bar.
const (
	barRunning     = "#4e79a7"
	barDone        = "#59a14f"
	barInterrupted = "#e15759"
)

// html is the rich form: a coloured bar (striped across when the total is
// unknown) followed by the same figures as the text.
func (s barState) html() string {
	colour := barRunning
	switch {
	case s.interrupted:
		colour = barInterrupted
	case s.done:
		colour = barDone
	}
	var b strings.Builder
	b.WriteString(`<div class="golora-progress" style="display:flex;align-items:center;gap:0.75em;font-family:var(--jp-code-font-family,monospace);font-size:var(--jp-code-font-size,13px)">`)
	if s.label != "" {
		fmt.Fprintf(&b, `<span>%s</span>`, html.EscapeString(s.label))
	}
	fill := fmt.Sprintf("background:%s;width:100%%;opacity:0.35", colour)
	figures := s.count()
	if f, ok := s.fraction(); ok {
		fill = fmt.Sprintf("background:%s;width:%.1f%%", colour, f*100)
		figures += fmt.Sprintf(" %d%%", int(f*100))
	}
	fmt.Fprintf(&b, `<div style="flex:0 0 18em;height:0.9em;background:#e6e6e6;border-radius:3px;overflow:hidden"><div style="height:100%%;%s"></div></div>`, fill)
	figures += "  " + s.rate() + "  " + s.times()
	fmt.Fprintf(&b, `<span style="white-space:pre">%s</span>`, html.EscapeString(figures))
	if s.info != "" {
		fmt.Fprintf(&b, `<span style="white-space:pre">%s</span>`, html.EscapeString(s.info))
	}
	if s.interrupted {
		fmt.Fprintf(&b, `<span style="color:%s">interrupted</span>`, barInterrupted)
	}
	b.WriteString(`</div>`)
	return b.String()
}
