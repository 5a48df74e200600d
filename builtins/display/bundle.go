package display

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"image"
	_ "image/jpeg" // JPEG sizes for text fallbacks
	"image/png"
	"strings"

	"github.com/golora/golora/output"
)

// MIME types that golora's front ends understand.
const (
	MIMEText     = output.MIMEText
	MIMEHTML     = output.MIMEHTML
	MIMEMarkdown = output.MIMEMarkdown
	MIMEPNG      = output.MIMEPNG
	MIMEJPEG     = output.MIMEJPEG
	MIMESVG      = output.MIMESVG
	MIMEJSON     = output.MIMEJSON
)

// A Bundle holds one output: Data, its representations keyed by MIME type
// in the form the Jupyter protocol carries them (text as strings, binary
// images as base64 strings, JSON as a decoded value), and Metadata, the
// per-MIME details such as an image's display width. Its methods give its
// text (Text, String), the bytes of an image (Binary) and a copy with
// metadata (WithMetadata).
//
// It is package output's Bundle, the type that the runtime and every front
// end share.
type Bundle = output.Bundle

// Renderer is implemented by values that have a rich form. The runtime
// renders the last expression of a cell through it.
type Renderer interface {
	Render() Bundle
}

// NewBundle returns a bundle with one representation and the given plain-text
// fallback.
func NewBundle(mime string, value any, text string) Bundle {
	b := Bundle{Data: map[string]any{MIMEText: text}, Metadata: map[string]any{}}
	if mime != MIMEText {
		b.Data[mime] = value
	}
	return b
}

// HTML returns a bundle that shows s as HTML. Its plain-text form is s with
// the tags removed.
func HTML(s string) Bundle { return NewBundle(MIMEHTML, s, stripTags(s)) }

// Markdown returns a bundle that shows s rendered as Markdown.
func Markdown(s string) Bundle { return NewBundle(MIMEMarkdown, s, s) }

// Text returns a bundle of plain text.
func Text(s string) Bundle { return NewBundle(MIMEText, s, s) }

// SVG returns a bundle that shows an SVG image.
func SVG(s string) Bundle { return NewBundle(MIMESVG, s, "<svg image>") }

// PNG returns a bundle that shows PNG-encoded bytes.
func PNG(data []byte) Bundle {
	w, h := pngSize(data)
	return imageBundle(MIMEPNG, data, w, h)
}

// JPEG returns a bundle that shows JPEG-encoded bytes.
func JPEG(data []byte) Bundle {
	w, h := jpegSize(data)
	return imageBundle(MIMEJPEG, data, w, h)
}

// Image returns a bundle that shows img, encoded as PNG.
func Image(img image.Image) Bundle {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Text(fmt.Sprintf("<image: %v>", err))
	}
	return PNG(buf.Bytes())
}

// JSON returns a bundle that shows v as an interactive JSON tree where the
// front end supports one, and as indented JSON text elsewhere. A value that
// cannot be encoded gives a text bundle that says why.
func JSON(v any) Bundle {
	raw, err := json.Marshal(v)
	if err != nil {
		return Text(fmt.Sprintf("<json: %v>", err))
	}
	var decoded any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		return Text(fmt.Sprintf("<json: %v>", err))
	}
	var indented bytes.Buffer
	_ = json.Indent(&indented, raw, "", "  ")
	// Jupyter's application/json must be an object or an array; wrap scalars.
	switch decoded.(type) {
	case map[string]any, []any:
	default:
		decoded = []any{decoded}
	}
	return NewBundle(MIMEJSON, decoded, indented.String())
}

func imageBundle(mime string, data []byte, w, h int) Bundle {
	text := fmt.Sprintf("<%s image, %d bytes>", strings.TrimPrefix(mime, "image/"), len(data))
	if w > 0 && h > 0 {
		text = fmt.Sprintf("<%s image %dx%d>", strings.TrimPrefix(mime, "image/"), w, h)
	}
	return NewBundle(mime, base64.StdEncoding.EncodeToString(data), text)
}

func stripTags(s string) string {
	var out strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			out.WriteRune(r)
		}
	}
	return html.UnescapeString(strings.TrimSpace(out.String()))
}

// pngSize reads the width and height from a PNG's IHDR chunk.
func pngSize(data []byte) (int, int) {
	if len(data) < 24 || string(data[1:4]) != "PNG" {
		return 0, 0
	}
	be := func(b []byte) int { return int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3]) }
	return be(data[16:20]), be(data[20:24])
}

// jpegSize finds the first start-of-frame marker of a JPEG stream.
func jpegSize(data []byte) (int, int) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, 0
	}
	return cfg.Width, cfg.Height
}
