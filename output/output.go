package output

import (
	"encoding/base64"
	"maps"
)

// MIME types that golora's front ends understand.
const (
	MIMEText     = "text/plain"
	MIMEHTML     = "text/html"
	MIMEMarkdown = "text/markdown"
	MIMEPNG      = "image/png"
	MIMEJPEG     = "image/jpeg"
	MIMESVG      = "image/svg+xml"
	MIMEJSON     = "application/json"
)

// A Bundle holds the representations of one output keyed by MIME type, in
// the form the Jupyter protocol carries them: text as strings, binary images
// as base64 strings, JSON as a decoded value. Metadata holds per-MIME
// details such as an image's display width.
type Bundle struct {
	Data     map[string]any
	Metadata map[string]any
}

// Render returns b itself, so that a Bundle can be shown like any other
// value with a rich form (display.Renderer).
func (b Bundle) Render() Bundle { return b }

// Text returns the bundle's text/plain representation, or "" if it has none.
func (b Bundle) Text() string {
	s, _ := b.Data[MIMEText].(string)
	return s
}

// String returns the text/plain representation, so that fmt prints a bundle
// the way a terminal would show it.
func (b Bundle) String() string { return b.Text() }

// Binary returns the decoded bytes of a base64-encoded representation such as
// image/png, and whether the bundle holds one.
func (b Bundle) Binary(mime string) ([]byte, bool) {
	s, ok := b.Data[mime].(string)
	if !ok {
		return nil, false
	}
	data, err := base64.StdEncoding.DecodeString(s)
	return data, err == nil
}

// WithMetadata returns a copy of b with metadata for one MIME type set, for
// example {"width": 640} for image/png.
func (b Bundle) WithMetadata(mime string, meta map[string]any) Bundle {
	out := Bundle{Data: b.Data, Metadata: make(map[string]any, len(b.Metadata)+1)}
	maps.Copy(out.Metadata, b.Metadata)
	out.Metadata[mime] = meta
	return out
}

// ID names an output so that it can be updated in place. IDs are unique
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
