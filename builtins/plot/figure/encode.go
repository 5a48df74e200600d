package figure

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/internal/atomicfile"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// pngScale is the number of PNG pixels per CSS pixel: PNGs are drawn at twice
// their display size so that they stay sharp on high-density screens.
const pngScale = 2

// cssDPI is the resolution at which a CSS pixel is 1/96 inch.
const cssDPI = 96

// svgFonts is the font list that SVG text asks for: the Liberation Sans that
// the layout was measured with, then its metric-compatible stand-ins.
const svgFonts = `font-family:'Liberation Sans',Arial,Helvetica,sans-serif;`

// size returns the figure's display size as a vg length.
func (f *Figure) size() (vg.Length, vg.Length) {
	w, h := f.Size()
	return vg.Length(w) * vg.Inch / cssDPI, vg.Length(h) * vg.Inch / cssDPI
}

// PNG returns the figure as PNG bytes, at twice its display size.
func (f *Figure) PNG() (data []byte, err error) {
	defer recoverTo(&err, "png")
	w, h := f.size()
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(cssDPI*pngScale))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("figure %q: png: %w", f.title, err)
	}
	return buf.Bytes(), nil
}

// SVGText returns the figure as an SVG document.
func (f *Figure) SVGText() (svg string, err error) {
	defer recoverTo(&err, "svg")
	w, h := f.size()
	c := vgsvg.NewWith(vgsvg.UseWH(w, h))
	f.draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("figure %q: svg: %w", f.title, err)
	}
	return strings.ReplaceAll(buf.String(), "font-family:Liberation Sans;", svgFonts), nil
}

// recoverTo turns a panic while drawing into an error; gonum/plot panics on
// some degenerate input.
func recoverTo(err *error, format string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("figure: drawing %s: %v", format, r)
	}
}

// Render shows the figure as a PNG at its display size, with its description
// as the text form.
func (f *Figure) Render() display.Bundle {
	data, err := f.PNG()
	if err != nil {
		return display.Text(err.Error())
	}
	w, h := f.Size()
	b := display.PNG(data).WithMetadata(display.MIMEPNG, map[string]any{"width": w, "height": h})
	b.Data[display.MIMEText] = f.String()
	return b
}

// SVG returns a bundle that shows the figure as SVG, for a notebook cell that
// wants the vector form.
func (f *Figure) SVG() display.Bundle {
	svg, err := f.SVGText()
	if err != nil {
		return display.Text(err.Error())
	}
	b := display.SVG(svg)
	b.Data[display.MIMEText] = f.String()
	return b
}

// Save writes the figure to path as PNG or SVG, by the path's extension
// (.png or .svg). The file appears whole or not at all: it is written
// beside its destination under a temporary name, then renamed.
func (f *Figure) Save(path string) error {
	var data []byte
	var err error
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		data, err = f.PNG()
	case ".svg":
		var s string
		s, err = f.SVGText()
		data = []byte(s)
	default:
		return fmt.Errorf("figure: save %s: unknown extension %q: use .png or .svg", path, ext)
	}
	if err != nil {
		return fmt.Errorf("figure: save %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("figure: save %s: %w", path, err)
	}
	return nil
}
