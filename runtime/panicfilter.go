package runtime

import (
	"bytes"
	"io"
	"regexp"
	"sync"
)

// yaegi prints one line per interpreted frame while a panic unwinds, such as
// "In[3]:2:5: panic: main.double(...)", to its standard error. panicFilter
// keeps those lines out of the cell's output and hands them to the error
// report as the traceback; every other line passes through.
type panicFilter struct {
	mu      sync.Mutex
	w       io.Writer
	partial []byte
	frames  []string
}

var panicLine = regexp.MustCompile(`^(.+):(\d+):(\d+): panic: ?(.*)$`)

func newPanicFilter(w io.Writer) *panicFilter { return &panicFilter{w: w} }

func (f *panicFilter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.partial = append(f.partial, p...)
	for {
		i := bytes.IndexByte(f.partial, '\n')
		if i < 0 {
			break
		}
		line := f.partial[:i+1]
		if panicLine.Match(bytes.TrimRight(line, "\n")) {
			f.frames = append(f.frames, string(bytes.TrimRight(line, "\n")))
		} else {
			f.w.Write(line)
		}
		f.partial = f.partial[i+1:]
	}
	return len(p), nil
}

// flush writes out an unfinished last line.
func (f *panicFilter) flush() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.partial) > 0 {
		f.w.Write(f.partial)
		f.partial = nil
	}
}

// takeFrames returns and forgets the panic lines seen so far, innermost
// first.
func (f *panicFilter) takeFrames() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	fr := f.frames
	f.frames = nil
	return fr
}
