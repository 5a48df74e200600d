package display

import (
	"fmt"
	"image"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
)

// ID names an output so that Update can replace it in place. IDs are unique
// within a process.
type ID string

// A Sink receives what cells display. The runtime installs one per cell; the
// kernel's sink turns calls into display_data, update_display_data and
// clear_output messages, `golora run` saves them in the notebook, and the REPL
// prints their text.
type Sink interface {
	// Display shows a new output; id is empty unless the output can be updated.
	Display(b Bundle, id ID)
	// Update replaces the content of the output shown earlier under id.
	Update(b Bundle, id ID)
	// ClearOutput clears the outputs of the running cell; with wait, the
	// front end clears them when the next output arrives, which avoids
	// flicker.
	ClearOutput(wait bool)
}

// bus routes output to the sink of the running cell. It is the one piece of
// process state of this package: there is one notebook per process.
var bus struct {
	mu    sync.Mutex
	sink  Sink
	shown map[ID]bool
}

var lastID atomic.Uint64

// SetSink installs s as the destination of Show, Update and ClearOutput and
// returns a function that restores the previous sink. A nil s sends output
// to standard output as text.
func SetSink(s Sink) (restore func()) {
	bus.mu.Lock()
	prev := bus.sink
	bus.sink = s
	bus.mu.Unlock()
	return func() {
		bus.mu.Lock()
		bus.sink = prev
		bus.mu.Unlock()
	}
}

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
	bus.mu.Lock()
	s := bus.sink
	bus.mu.Unlock()
	if s != nil {
		s.ClearOutput(wait)
	}
}

func publish(b Bundle, id ID, update bool) {
	bus.mu.Lock()
	s := bus.sink
	seen := false
	if id != "" {
		if bus.shown == nil {
			bus.shown = map[ID]bool{}
		}
		seen = bus.shown[id]
		bus.shown[id] = true
	}
	bus.mu.Unlock()
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
