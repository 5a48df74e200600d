package display

import (
	"encoding/base64"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/golora/golora/internal/cellout"
)

type recorder struct {
	events []string
	last   Bundle
}

func (r *recorder) Display(b Bundle, id ID) {
	r.events = append(r.events, "display:"+string(id))
	r.last = b
}
func (r *recorder) Update(b Bundle, id ID) {
	r.events = append(r.events, "update:"+string(id))
	r.last = b
}
func (r *recorder) ClearOutput(wait bool) {
	if wait {
		r.events = append(r.events, "clear:wait")
	} else {
		r.events = append(r.events, "clear")
	}
}

func TestEveryBundleHasText(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(0, 0, color.White)
	for name, b := range map[string]Bundle{
		"HTML":     HTML("<b>bold</b> &amp; more"),
		"Markdown": Markdown("# title"),
		"Text":     Text("plain"),
		"SVG":      SVG("<svg></svg>"),
		"JSON":     JSON(map[string]int{"a": 1}),
		"Image":    Image(img),
		"Table":    Table([]string{"a", "b"}, [][]string{{"1", "2"}}),
	} {
		if b.Text() == "" {
			t.Errorf("%s: no text/plain", name)
		}
	}
	if got := HTML("<b>bold</b> &amp; more").Text(); got != "bold & more" {
		t.Errorf("HTML text = %q", got)
	}
	if got := Image(img).Text(); got != "<png image 3x2>" {
		t.Errorf("Image text = %q", got)
	}
	png, ok := Image(img).Binary(MIMEPNG)
	if !ok || string(png[1:4]) != "PNG" {
		t.Errorf("Image PNG payload missing or wrong")
	}
}

func TestJSONWrapsScalars(t *testing.T) {
	b := JSON(42)
	if _, ok := b.Data[MIMEJSON].([]any); !ok {
		t.Errorf("scalar JSON not wrapped in an array: %#v", b.Data[MIMEJSON])
	}
	if b.Text() != "42" {
		t.Errorf("text = %q", b.Text())
	}
}

func TestTableText(t *testing.T) {
	b := Table([]string{"name", "n"}, [][]string{{"alpha", "1"}, {"b", "22"}, {"ragged"}})
	want := "name    n\n──────  ──\nalpha   1\nb       22\nragged"
	if got := b.Text(); got != want {
		t.Errorf("table text:\n%s\nwant:\n%s", got, want)
	}
	if h := b.Data[MIMEHTML].(string); !strings.Contains(h, "<th>name</th>") || !strings.Contains(h, "<td") {
		t.Errorf("table HTML: %s", h)
	}
	if strings.Contains(Table(nil, [][]string{{"<script>"}}).Data[MIMEHTML].(string), "<script>") {
		t.Error("table cells are not escaped")
	}
}

func TestShowRoutesToSink(t *testing.T) {
	var r recorder
	restore := cellout.SetSink(&r)
	defer restore()
	Show(HTML("<i>x</i>"))
	id := NewID()
	Update(id, Text("first"))
	Update(id, Text("second"))
	ClearOutput(true)
	want := []string{"display:", "display:" + string(id), "update:" + string(id), "clear:wait"}
	if strings.Join(r.events, ",") != strings.Join(want, ",") {
		t.Errorf("events %v, want %v", r.events, want)
	}
	if r.last.Text() != "second" {
		t.Errorf("last bundle %q", r.last.Text())
	}
}

func TestOf(t *testing.T) {
	if got := Of(struct{ A int }{3}).Text(); got != "{3}" {
		t.Errorf("Of(struct) = %q", got)
	}
	if _, ok := Of(image.NewGray(image.Rect(0, 0, 1, 1))).Data[MIMEPNG].(string); !ok {
		t.Error("Of(image) has no PNG")
	}
	s := base64.StdEncoding.EncodeToString([]byte("x"))
	if Of(NewBundle(MIMEPNG, s, "")).Text() != "" {
		t.Error("Of must keep an explicit text/plain")
	}
}
