package runtime

import (
	"sync"
)

// History is the record of the cells a session ran, numbered by execution
// count, as Jupyter's history requests see it. Session is always 1: a
// kernel process is one session.
type History struct {
	mu      sync.Mutex
	entries []HistoryEntry
}

// HistoryEntry is one cell of the history.
type HistoryEntry struct {
	Session int
	Line    int // the cell's execution count
	Input   string
	Output  string // text of the cell's value, if it had one
}

func newHistory() *History { return &History{} }

func (h *History) add(line int, input string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entries = append(h.entries, HistoryEntry{Session: 1, Line: line, Input: input})
}

func (h *History) setOutput(line int, output string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.entries) - 1; i >= 0; i-- {
		if h.entries[i].Line == line {
			h.entries[i].Output = output
			return
		}
	}
}

// Tail returns the last n entries, oldest first.
func (h *History) Tail(n int) []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n <= 0 || n > len(h.entries) {
		n = len(h.entries)
	}
	return append([]HistoryEntry(nil), h.entries[len(h.entries)-n:]...)
}

// Range returns the entries of session whose line is in [start, stop); a
// stop of 0 or less means to the end.
func (h *History) Range(session, start, stop int) []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HistoryEntry
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

// Search returns the entries whose input matches the glob pattern (see
// globMatch; an empty pattern matches everything), the last n of them when
// n > 0, oldest first. With
// unique, an input that occurs several times is listed once, at its last
// occurrence.
func (h *History) Search(pattern string, n int, unique bool) []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []HistoryEntry
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
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
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
