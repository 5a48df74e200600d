// Package htmltable writes the HTML tables that builtins render in a
// notebook when their cells need markup of their own: a format preview's
// template text in grey and its cutoff mark, a chunk's text kept as
// preformatted lines. display.Table makes a table of plain text from rows
// of strings; a builtin whose cells are HTML builds a Table here, so that
// every golora table has the same class, caption and header layout.
// display.Table writes its tables with this package too.
//
// Cells cannot import this package: the interpreter only sees the
// packages listed in builtins/symbols.
package htmltable

import (
	"html"
	"strings"
)

// A Table is an HTML table of class golora-table: a caption, a header row
// and rows of cells, each of which holds HTML. The zero value is an empty
// table.
type Table struct {
	// Class holds more classes for the table element, after golora-table,
	// such as "golora-chunks"; "" for none.
	Class string
	// Caption is the caption's HTML, shown left-aligned above the table;
	// "" for none.
	Caption string
	// Header is the header row; an empty one writes no thead.
	Header []Cell
	// Rows are the rows of the body.
	Rows [][]Cell
}

// A Cell is one cell of a Table.
type Cell struct {
	HTML  string // the cell's content, as HTML
	Style string // the cell's inline CSS; "" for none
	Head  bool   // a header cell (th) in a body row, such as a row's name
}

// Text returns a cell that shows s as text.
func Text(s string) Cell { return Cell{HTML: html.EscapeString(s)} }

// Pre returns a left-aligned cell that shows content, HTML, as preformatted
// text wrapped at the cell's width: line breaks and runs of spaces stay as
// they are.
func Pre(content string) Cell {
	return Cell{HTML: `<pre style="white-space:pre-wrap;margin:0">` + content + "</pre>", Style: "text-align:left"}
}

// HTML returns the table as HTML.
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<table class="golora-table`)
	if t.Class != "" {
		b.WriteString(" " + html.EscapeString(t.Class))
	}
	b.WriteString(`">`)
	if t.Caption != "" {
		b.WriteString(`<caption style="text-align:left">` + t.Caption + "</caption>")
	}
	if len(t.Header) > 0 {
		b.WriteString("<thead><tr>")
		for _, c := range t.Header {
			c.Head = true
			c.write(&b)
		}
		b.WriteString("</tr></thead>")
	}
	b.WriteString("<tbody>")
	for _, row := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range row {
			c.write(&b)
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

// write writes the cell as a td, or a th for a header cell.
func (c Cell) write(b *strings.Builder) {
	tag := "td"
	if c.Head {
		tag = "th"
	}
	b.WriteString("<" + tag)
	if c.Style != "" {
		b.WriteString(` style="` + html.EscapeString(c.Style) + `"`)
	}
	b.WriteString(">" + c.HTML + "</" + tag + ">")
}
