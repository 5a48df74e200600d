package display

import (
	"fmt"
	"image"
	"os"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/golora/golora/internal/cellout"
	"github.com/golora/golora/output"
)

// ID names an output so that Update can replace it in place. IDs are unique
// within a process. It is package output's ID.
type ID = output.ID

// shown records the IDs that have an output, so that Update knows whether
// to display or to replace. Like the sink that internal/cellout holds, it
// is process state: there is one notebook per process.
var shown struct {
	mu  sync.Mutex
	ids map[ID]bool
}

var lastID atomic.Uint64

// NewID returns a fresh output ID for Update.
func NewID() ID {
	return ID("golora-" + strconv.FormatUint(lastID.Add(1), 10) + "-" + strconv.Itoa(os.Getpid()))
}

// Show displays v now, wherever in the cell it is called: a Renderer as its
// bundle, an image.Image as PNG, anything else as text.
func Show(v any) {
	publish(Of(v), "", false)
}

// Update shows v in the output named id: the first call with an id displays a
// new output, later calls replace its content in place, also when the output
// is in an earlier cell.
func Update(id ID, v any) {
	publish(Of(v), id, true)
}

// ClearOutput clears the outputs of the running cell. With wait, the clearing
// happens when the next output arrives, so that a redrawn figure does not
// flicker.
func ClearOutput(wait bool) {
	if s := cellout.Sink(); s != nil {
		s.ClearOutput(wait)
	}
}

func publish(b Bundle, id ID, update bool) {
	s := cellout.Sink()
	seen := false
	if id != "" {
		shown.mu.Lock()
		if shown.ids == nil {
			shown.ids = map[ID]bool{}
		}
		seen = shown.ids[id]
		shown.ids[id] = true
		shown.mu.Unlock()
	}
	if s == nil {
		fmt.Println(b.Text())
		return
	}
	if update && seen {
		s.Update(b, id)
		return
	}
	s.Display(b, id)
}

// Of returns the bundle that shows v: its own rendering for a Renderer, PNG
// for an image.Image, the message for an error, and fmt's %v otherwise.
// Every bundle it returns has a text/plain entry.
func Of(v any) Bundle {
	var b Bundle
	switch x := v.(type) {
	case Renderer:
		b = x.Render()
	case image.Image:
		b = Image(x)
	case error:
		b = Text(x.Error())
	default:
		b = Text(fmt.Sprint(v))
	}
	if b.Data == nil {
		b.Data = map[string]any{}
	}
	if _, ok := b.Data[MIMEText]; !ok {
		b.Data[MIMEText] = fmt.Sprintf("<%T>", v)
	}
	if b.Metadata == nil {
		b.Metadata = map[string]any{}
	}
	return b
}
