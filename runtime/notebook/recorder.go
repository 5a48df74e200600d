package notebook

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/output"
)

// cellRecorder is the Output of a cell that Run runs: it keeps the
// outputs in notebook form, merging consecutive stream text, replacing
// updated displays in place, and echoes text to a log.
type cellRecorder struct {
	log     io.Writer
	outputs []any
	// text collects the text of the last output while it is a stream, so
	// that a cell printing in many pieces costs the size of its output.
	text       *strings.Builder
	limit      int64 // bytes of stream text kept; negative: no limit
	saved      int64
	dropped    int64
	ids        map[output.ID]int
	clearWait  bool
	liveID     output.ID // the display last echoed, redrawn in place
	liveOnLine bool

	// redraw redraws a progress bar in place, for a terminal. Otherwise (a
	// log file) a bar gets a line at most every logProgressGap, and its
	// latest state when other text comes or the cell ends.
	redraw  bool
	now     func() time.Time // time.Now; tests replace it
	shownAt map[output.ID]time.Time
	pending map[output.ID]string
	order   []output.ID // of the bars in pending, as they first came
}

// logProgressGap is the shortest time between two lines of one progress
// bar in a log.
const logProgressGap = 5 * time.Second

func (r *cellRecorder) add(o map[string]any) {
	r.closeText()
	if r.clearWait {
		r.outputs, r.ids, r.clearWait = nil, nil, false
	}
	r.outputs = append(r.outputs, o)
}

// closeText stores the collected text in the last stream output.
func (r *cellRecorder) closeText() {
	if r.text == nil {
		return
	}
	r.outputs[len(r.outputs)-1].(map[string]any)["text"] = r.text.String()
	r.text = nil
}

func (r *cellRecorder) Stream(name, text string) {
	r.echo(text)
	text = r.keep(text)
	if text == "" {
		return
	}
	if n := len(r.outputs); r.text != nil && !r.clearWait {
		if last := r.outputs[n-1].(map[string]any); last["name"] == name {
			r.text.WriteString(text)
			return
		}
	}
	r.add(map[string]any{"output_type": "stream", "name": name, "text": ""})
	r.text = &strings.Builder{}
	r.text.WriteString(text)
}

// keep returns the part of text that fits under the cell's limit, and
// counts the rest as dropped.
func (r *cellRecorder) keep(text string) string {
	if r.limit < 0 {
		return text
	}
	room := max(0, r.limit-r.saved)
	if int64(len(text)) <= room {
		r.saved += int64(len(text))
		return text
	}
	cut := int(room)
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	r.saved += int64(cut)
	r.dropped += int64(len(text) - cut)
	return text[:cut]
}

func (r *cellRecorder) Display(b output.Bundle, id output.ID) {
	r.add(map[string]any{"output_type": "display_data", "data": b.Data, "metadata": nonNilMap(b.Metadata)})
	if id != "" {
		if r.ids == nil {
			r.ids = map[output.ID]int{}
		}
		r.ids[id] = len(r.outputs) - 1
	}
	r.echoDisplay(b, id)
}

func (r *cellRecorder) Update(b output.Bundle, id output.ID) {
	if i, ok := r.ids[id]; ok {
		r.outputs[i] = map[string]any{"output_type": "display_data", "data": b.Data, "metadata": nonNilMap(b.Metadata)}
	}
	r.echoDisplay(b, id)
}

func (r *cellRecorder) ClearOutput(wait bool) {
	r.closeText()
	if wait {
		r.clearWait = true
		return
	}
	r.outputs, r.ids = nil, nil
}

func (r *cellRecorder) Input(context.Context, string, bool) (string, error) {
	return "", cell.ErrNoInput
}

// echo writes cell text to the log, ending a display redrawn in place.
func (r *cellRecorder) echo(text string) {
	r.flushBars()
	if r.liveOnLine {
		io.WriteString(r.log, "\n")
		r.liveOnLine = false
	}
	io.WriteString(r.log, text)
}

// echoDisplay shows a display's text in the log; an updatable one-line
// display (a progress bar) is redrawn on its line.
func (r *cellRecorder) echoDisplay(b output.Bundle, id output.ID) {
	text := b.Text()
	if id != "" && !strings.Contains(text, "\n") && !r.redraw {
		r.logBar(id, text)
		return
	}
	if id != "" && !strings.Contains(text, "\n") {
		if r.liveOnLine && r.liveID != id {
			io.WriteString(r.log, "\n")
		}
		fmt.Fprintf(r.log, "\r\x1b[K%s", text)
		r.liveID, r.liveOnLine = id, true
		return
	}
	r.echo(text + "\n")
}

// logBar writes a line of a bar to a log, or keeps it for later when the
// bar had a line less than logProgressGap ago.
func (r *cellRecorder) logBar(id output.ID, text string) {
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	t := now()
	if last, ok := r.shownAt[id]; ok && t.Sub(last) < logProgressGap {
		if r.pending == nil {
			r.pending = map[output.ID]string{}
		}
		if _, ok := r.pending[id]; !ok {
			r.order = append(r.order, id)
		}
		r.pending[id] = text
		return
	}
	if r.shownAt == nil {
		r.shownAt = map[output.ID]time.Time{}
	}
	r.shownAt[id] = t
	if _, ok := r.pending[id]; ok {
		delete(r.pending, id)
		r.order = slices.DeleteFunc(r.order, func(x output.ID) bool { return x == id })
	}
	io.WriteString(r.log, text+"\n")
}

// flushBars writes the latest state of the bars that have one not written.
func (r *cellRecorder) flushBars() {
	for _, id := range r.order {
		io.WriteString(r.log, r.pending[id]+"\n")
	}
	r.pending, r.order = nil, nil
}

func (r *cellRecorder) finish() {
	r.flushBars()
	if r.liveOnLine {
		io.WriteString(r.log, "\n")
		r.liveOnLine = false
	}
	r.closeText()
	if r.dropped > 0 {
		r.add(map[string]any{"output_type": "stream", "name": "stderr", "text": fmt.Sprintf(
			"golora: output truncated: %.1f MB not saved in the notebook (it kept the first %.1f MB; golora run --max-output-mb raises the limit)\n",
			float64(r.dropped)/(1<<20), float64(r.saved)/(1<<20))})
	}
	if r.outputs == nil {
		r.outputs = []any{}
	}
}
