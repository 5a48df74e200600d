package display

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/internal/htmltable"
)

// Table returns a bundle that shows rows under header as an HTML table, with
// aligned columns as its plain-text form. Rows may be ragged; missing cells
// are empty.
func Table(header []string, rows [][]string) Bundle {
	return NewBundle(MIMEHTML, tableHTML(header, rows, ""), tableText(header, rows))
}

// TableCaption is Table with a caption line above the table, such as a row
// count.
func TableCaption(caption string, header []string, rows [][]string) Bundle {
	text := tableText(header, rows)
	if caption != "" {
		text = caption + "\n" + text
	}
	return NewBundle(MIMEHTML, tableHTML(header, rows, caption), text)
}

func tableHTML(header []string, rows [][]string, caption string) string {
	t := htmltable.Table{Caption: html.EscapeString(caption)}
	for _, h := range header {
		t.Header = append(t.Header, htmltable.Text(h))
	}
	for _, row := range rows {
		cells := make([]htmltable.Cell, len(row))
		for i, c := range row {
			cells[i] = htmltable.Text(c)
			cells[i].Style = "text-align:left;white-space:pre-wrap"
		}
		t.Rows = append(t.Rows, cells)
	}
	return t.HTML()
}

// maxTextCell bounds a column's width in the plain-text form.
const maxTextCell = 40

func tableText(header []string, rows [][]string) string {
	n := len(header)
	for _, r := range rows {
		n = max(n, len(r))
	}
	cell := func(r []string, i int) string {
		if i >= len(r) {
			return ""
		}
		s := strings.Join(strings.Fields(r[i]), " ")
		if utf8.RuneCountInString(s) > maxTextCell {
			s = string([]rune(s)[:maxTextCell-1]) + "…"
		}
		return s
	}
	width := make([]int, n)
	all := rows
	if len(header) > 0 {
		all = append([][]string{header}, rows...)
	}
	for _, r := range all {
		for i := range n {
			width[i] = max(width[i], utf8.RuneCountInString(cell(r, i)))
		}
	}
	var b strings.Builder
	line := func(r []string) {
		var l strings.Builder
		for i := range n {
			c := cell(r, i)
			l.WriteString(c)
			if i < n-1 {
				l.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
			}
		}
		b.WriteString(strings.TrimRight(l.String(), " "))
		b.WriteString("\n")
	}
	if len(header) > 0 {
		line(header)
		for i := range n {
			b.WriteString(strings.Repeat("─", width[i]))
			if i < n-1 {
				b.WriteString("  ")
			}
		}
		b.WriteString("\n")
	}
	for _, r := range rows {
		line(r)
	}
	return strings.TrimRight(b.String(), "\n")
}
