package runtime

import (
	"slices"
	"sync"

	"github.com/golora/golora/cell"
)

// History answers a history request: the last N cells ("tail"), the cells
// of a session numbered from Start to Stop ("range"), or the last N whose
// input matches Pattern ("search"). Any other access type gets nothing.
func (s *Session) History(q cell.HistoryQuery) []cell.HistoryEntry {
	switch q.AccessType {
	case "tail":
		return s.history.tail(q.N)
	case "range":
		return s.history.inRange(q.Session, q.Start, q.Stop)
	case "search":
		return s.history.search(q.Pattern, q.N, q.Unique)
	}
	return nil
}

// history is the record of the cells a session ran, numbered by execution
// count, as Jupyter's history requests see it. Session is always 1: a
// kernel process is one session.
type history struct {
	mu      sync.Mutex
	entries []cell.HistoryEntry
}

func newHistory() *history { return &history{} }

func (h *history) add(line int, input string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, cell.HistoryEntry{Session: 1, Line: line, Input: input})
}

func (h *history) setOutput(line int, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.entries) - 1; i >= 0; i-- {
		if h.entries[i].Line == line {
			h.entries[i].Output = output
			return
		}
	}
}

// tail returns the last n entries, oldest first.
func (h *history) tail(n int) []cell.HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n <= 0 || n > len(h.entries) {
		n = len(h.entries)
	}
	return slices.Clone(h.entries[len(h.entries)-n:])
}

// inRange returns the entries of session whose line is in [start, stop); a
// stop of 0 or less means to the end.
func (h *history) inRange(session, start, stop int) []cell.HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []cell.HistoryEntry
	for _, e := range h.entries {
		if session != 0 && e.Session != session {
			continue
		}
		if e.Line >= start && (stop <= 0 || e.Line < stop) {
			out = append(out, e)
		}
	}
	return out
}

// search returns the entries whose input matches the glob pattern (see
// globMatch; an empty pattern matches everything), the last n of them when
// n > 0, oldest first. With
// unique, an input that occurs several times is listed once, at its last
// occurrence.
func (h *history) search(pattern string, n int, unique bool) []cell.HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []cell.HistoryEntry
	seen := map[string]bool{}
	for i := len(h.entries) - 1; i >= 0; i-- {
		e := h.entries[i]
		if pattern != "" && !globMatch(pattern, e.Input) {
			continue
		}
		if unique && seen[e.Input] {
			continue
		}
		seen[e.Input] = true
		out = append(out, e)
		if n > 0 && len(out) == n {
			break
		}
	}
	slices.Reverse(out)
	return out
}

// globMatch matches like a shell glob over the whole text: * matches any
// run of characters, newlines included, ? any one character.
func globMatch(pattern, text string) bool {
	pr, tr := []rune(pattern), []rune(text)
	var match func(p, t int) bool
	match = func(p, t int) bool {
		for p < len(pr) {
			switch pr[p] {
			case '*':
				for k := t; k <= len(tr); k++ {
					if match(p+1, k) {
						return true
					}
				}
				return false
			case '?':
				if t >= len(tr) {
					return false
				}
			default:
				if t >= len(tr) || tr[t] != pr[p] {
					return false
				}
			}
			p++
			t++
		}
		return t == len(tr)
	}
	return match(0, 0)
}
