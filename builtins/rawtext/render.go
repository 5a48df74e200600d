package rawtext

import (
	"fmt"
	"html"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/internal/htmltable"
)

// Preview sizes.
const (
	previewChunks = 5   // chunks shown
	previewChars  = 300 // characters of each chunk's text shown
)

// Tokens returns the total number of tokens in the chunks.
func (c Chunks) Tokens() int {
	n := 0
	for _, p := range c {
		n += len(p.IDs)
	}
	return n
}

// summary is the chunk count and token statistics.
func (c Chunks) summary() string {
	if len(c) == 0 {
		return "0 chunks"
	}
	files := map[string]bool{}
	least, most := len(c[0].IDs), 0
	for _, p := range c {
		files[p.File] = true
		least, most = min(least, len(p.IDs)), max(most, len(p.IDs))
	}
	return fmt.Sprintf("%d chunks from %d file(s); tokens a chunk: min %d, mean %.1f, max %d; %d tokens in all",
		len(c), len(files), least, float64(c.Tokens())/float64(len(c)), most, c.Tokens())
}

// String returns the summary and the first chunks' text, shortened.
func (c Chunks) String() string {
	var b strings.Builder
	b.WriteString(c.summary())
	for i, p := range c[:min(len(c), previewChunks)] {
		fmt.Fprintf(&b, "\n── chunk %d · %s · %d tokens\n%s", i, p.where(), len(p.IDs), preview(p.Text))
	}
	return b.String()
}

// Render shows the summary above a table of the first chunks.
func (c Chunks) Render() display.Bundle {
	t := htmltable.Table{
		Class:   "golora-chunks",
		Caption: html.EscapeString(c.summary()),
		Header:  []htmltable.Cell{htmltable.Text("chunk"), htmltable.Text("source"), htmltable.Text("tokens"), {HTML: "text", Style: "text-align:left"}},
	}
	for i, p := range c[:min(len(c), previewChunks)] {
		t.Rows = append(t.Rows, []htmltable.Cell{htmltable.Text(fmt.Sprint(i)), htmltable.Text(p.where()),
			htmltable.Text(fmt.Sprint(len(p.IDs))), htmltable.Pre(html.EscapeString(preview(p.Text)))})
	}
	return display.NewBundle(display.MIMEHTML, t.HTML(), c.String())
}

// where names a piece's file and block.
func (p *Piece) where() string {
	return fmt.Sprintf("%s block %d", filepath.Base(p.File), p.Block)
}

// preview shortens a chunk's text to previewChars characters.
func preview(s string) string {
	if utf8.RuneCountInString(s) <= previewChars {
		return s
	}
	return string([]rune(s)[:previewChars-1]) + "…"
}
