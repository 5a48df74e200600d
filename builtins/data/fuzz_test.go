package data

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"
)

// positioned is what every error of Parse says: a line and column, a row
// and its line, or that there is nothing to say a position of.
var positioned = regexp.MustCompile(`line \d+, column \d+: |row \d+ \(line \d+\) |^data: empty: |^data: holds one JSON object spread`)

// FuzzParse: Parse never panics; its errors name positions; what it
// accepts has the rows and columns that encoding/json reads in the text.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/alpaca.json", "testdata/rows.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`[{"a": "x"}, {"b": "y", "a": "z"}]`, "{\"a\": 1}\n{\"a\": [1, {\"b\": \"}\"}]}\n", `[]`, `[1]`,
		"{\"a\\u0041\": \"\\\"\"}\n{\"\\u00e9\": null}", "{\"a\": 1}\n\n{", "[\n{\"x\": \"\xff\"}]", "{\"a\":1,\"a\":2}",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ds, err := Parse(text)
		if err != nil {
			if !positioned.MatchString(err.Error()) {
				t.Fatalf("Parse(%q): error names no position: %v", text, err)
			}
			return
		}
		raws := referenceRows(t, text)
		if ds.Len() != len(raws) {
			t.Fatalf("Parse(%q): %d rows, encoding/json reads %d", text, ds.Len(), len(raws))
		}
		var columns []string
		for i, raw := range raws {
			var want map[string]any
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatalf("Parse(%q) accepted row %d %q: %v", text, i, raw, err)
			}
			if got := ds.Row(i); !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse(%q): Row(%d) = %#v, encoding/json reads %#v", text, i, got, want)
			}
			for _, k := range keysInOrder(t, raw) {
				if !slices.Contains(columns, k) {
					columns = append(columns, k)
				}
			}
		}
		if got := ds.Columns(); !slices.Equal(got, columns) {
			t.Fatalf("Parse(%q): Columns = %q, want %q", text, got, columns)
		}
	})
}

// referenceRows cuts text as the package documentation says, with
// encoding/json: one JSON array, or else one value a non-blank line.
func referenceRows(t *testing.T, text string) []json.RawMessage {
	b := bytes.TrimPrefix([]byte(text), byteOrderMark)
	var rows []json.RawMessage
	if json.Valid(b) && trimSpace(b)[0] == '[' {
		if err := json.Unmarshal(b, &rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if line = trimSpace(line); len(line) > 0 {
			rows = append(rows, line)
		}
	}
	return rows
}

// keysInOrder returns the keys of the object raw in order, read with
// encoding/json's tokenizer.
func keysInOrder(t *testing.T, raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
