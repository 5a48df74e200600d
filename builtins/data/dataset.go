package data

import (
	"encoding/json"
	"fmt"
	"slices"
)

// A Dataset is a list of rows, each a JSON object. It does not change once
// made: Head and Split return new datasets that share its text.
type Dataset struct {
	name    string
	text    []byte    // the JSON text that the rows are cut from
	rows    []span    // where each row is in text
	columns []string  // the keys of all rows, in the order first seen
	chat    *chatForm // how the rows hold conversations; nil if they do not
	chatRow int       // the first row that holds a conversation in that form
}

// A span is where a row's JSON object is in the dataset's text, and the
// line it starts on in its file (0 for rows made by FromRows).
type span struct {
	start, end, line int
}

// newDataset returns the dataset of rows cut from text, with its columns.
func newDataset(name string, text []byte, rows []span) *Dataset {
	ds := &Dataset{name: name, text: text, rows: rows}
	// Keys are looked up as written, which costs no allocation, and then
	// as decoded, since two spellings can decode to one key ("\u0061", "a").
	written, decoded := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		objectKeys(text[r.start:r.end], func(raw []byte) {
			if written[string(raw)] {
				return
			}
			written[string(raw)] = true
			if k := unquote(raw); !decoded[k] {
				decoded[k] = true
				ds.columns = append(ds.columns, k)
			}
		})
	}
	ds.detectChat()
	return ds
}

// FromRows returns a dataset of rows given as Go values, such as rows built
// in a cell. The values are stored as JSON, so they must be what
// encoding/json can encode, and they read back as JSON decodes them
// (numbers as float64). Columns come in each map's sorted key order, since
// a map has none of its own.
func FromRows(rows []map[string]any) (*Dataset, error) {
	var text []byte
	spans := make([]span, 0, len(rows))
	for i, r := range rows {
		if r == nil {
			return nil, fmt.Errorf("data: row %d is nil: every row must be a map such as {\"text\": \"…\"}", i)
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("data: row %d cannot be stored as JSON: %w", i, err)
		}
		spans = append(spans, span{start: len(text), end: len(text) + len(b)})
		text = append(text, b...)
	}
	return newDataset("", text, spans), nil
}

// Name returns the file the dataset was loaded from ("" for one made from
// text or Go values), followed by "(train)" or "(eval)" for a part made by
// Split.
func (ds *Dataset) Name() string { return ds.name }

// Len returns the number of rows.
func (ds *Dataset) Len() int { return len(ds.rows) }

// Columns returns the keys that occur in the rows, in the order they are
// first seen. A row need not have them all.
func (ds *Dataset) Columns() []string {
	return append([]string(nil), ds.columns...)
}

// Row returns row i (from 0) as a fresh map of its keys to their values:
// strings, float64, bool, nil, []any and map[string]any. It panics if i is
// out of range, as indexing a slice does.
func (ds *Dataset) Row(i int) map[string]any {
	if i < 0 || i >= len(ds.rows) {
		panic(fmt.Sprintf("data: row %d out of range: %s has %d rows", i, ds.describe(), len(ds.rows)))
	}
	r := ds.rows[i]
	var m map[string]any
	if err := json.Unmarshal(ds.text[r.start:r.end], &m); err != nil {
		// The text was checked when the dataset was made.
		panic(fmt.Sprintf("data: row %d of %s: %v", i, ds.describe(), err))
	}
	return m
}

// Line returns the line of the dataset's file on which row i starts, or 0
// for a dataset made by FromRows. Errors about a row name it, so that the
// row can be found in the file.
func (ds *Dataset) Line(i int) int {
	if i < 0 || i >= len(ds.rows) {
		return 0
	}
	return ds.rows[i].line
}

// Head returns the first n rows (all of them if there are fewer).
func (ds *Dataset) Head(n int) *Dataset {
	n = min(max(n, 0), len(ds.rows))
	return newDataset(ds.name, ds.text, ds.rows[:n:n])
}

// subset returns the rows at the indices idx, named name.
func (ds *Dataset) subset(name string, idx []int) *Dataset {
	slices.Sort(idx)
	rows := make([]span, len(idx))
	for k, i := range idx {
		rows[k] = ds.rows[i]
	}
	return newDataset(name, ds.text, rows)
}

// describe names the dataset in messages.
func (ds *Dataset) describe() string {
	if ds.name == "" {
		return "the dataset"
	}
	return ds.name
}
