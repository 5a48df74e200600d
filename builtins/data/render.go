package data

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/builtins/display"
)

// previewRows is how many rows a dataset shows in a notebook.
const previewRows = 10

// previewChars is how many characters of a value a preview cell shows.
const previewChars = 120

// String returns a one-line summary: source, row count and columns. The
// rows of a conversation dataset are counted as conversations, with their
// form: "128 conversations (OpenAI messages)".
func (ds *Dataset) String() string {
	return fmt.Sprintf("%s: %s, columns %s", ds.title(), ds.count(), strings.Join(ds.columns, ", "))
}

// Render shows the first rows as a table under a caption with the source,
// the row count and the number of columns. Long values are shortened.
func (ds *Dataset) Render() display.Bundle {
	n := min(previewRows, len(ds.rows))
	header := append([]string{"row"}, ds.columns...)
	rows := make([][]string, n)
	for i := range n {
		row := ds.Row(i)
		cells := []string{fmt.Sprint(i)}
		for _, c := range ds.columns {
			v, ok := row[c]
			cells = append(cells, cell(v, ok))
		}
		rows[i] = cells
	}
	caption := fmt.Sprintf("%s: %s × %d columns", ds.title(), ds.count(), len(ds.columns))
	if n < len(ds.rows) {
		caption += fmt.Sprintf(" (first %d shown)", n)
	}
	return display.TableCaption(caption, header, rows)
}

// title names the dataset in its summary.
func (ds *Dataset) title() string {
	if ds.name == "" {
		return "dataset"
	}
	return "dataset " + ds.name
}

// count says how many rows the dataset has: "1 row", "n rows", or for a
// conversation dataset "n conversations (form)".
func (ds *Dataset) count() string {
	if ds.chat == nil {
		return rowCount(len(ds.rows))
	}
	noun := "conversations"
	if len(ds.rows) == 1 {
		noun = "conversation"
	}
	return fmt.Sprintf("%d %s (%s)", len(ds.rows), noun, ds.chat.title)
}

// rowCount says "1 row" or "n rows".
func rowCount(n int) string {
	if n == 1 {
		return "1 row"
	}
	return fmt.Sprintf("%d rows", n)
}

// cell is the preview of a value: a string as itself, anything else as
// JSON, a missing key as nothing; shortened to previewChars characters.
func cell(v any, ok bool) string {
	if !ok {
		return ""
	}
	s, isString := v.(string)
	if !isString {
		b, _ := json.Marshal(v)
		s = string(b)
	}
	if utf8.RuneCountInString(s) > previewChars {
		s = string([]rune(s)[:previewChars-1]) + "…"
	}
	return s
}
