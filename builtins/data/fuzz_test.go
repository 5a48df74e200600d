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

// FuzzConversation: reading conversations never panics; its errors name
// the row and its line; what it reads is in OpenAI form, with every
// object's keys listed under KeyOrder.
func FuzzConversation(f *testing.F) {
	for _, s := range []string{
		toolRow,
		`{"conversations": [{"from": "human", "value": "hi", "x": null}, {"from": "gpt", "value": "yo"}]}`,
		"{\"messages\": []}\n{\"conversations\": [1]}\n{\"text\": 2}",
		`[{"messages": [{"role": "system", "content": [{"type": "text", "text": "a"}]}, {"role": "system"}]}]`,
		`{"messages": [{"role": "assistant", "content": null, "tool_calls": [{"\u0000order": 1}]}]}`,
	} {
		f.Add(s)
	}
	roles := []string{"system", "user", "assistant", "tool"}
	at := regexp.MustCompile(`^data: dataset row \d+ \(line \d+\)( turn \d+)?: `)
	f.Fuzz(func(t *testing.T, text string) {
		ds, err := Parse(text)
		if err != nil {
			return
		}
		var first error
		for i := range ds.Len() {
			turns, err := ds.Conversation(i)
			if err != nil {
				if first == nil {
					first = err
				}
				if ds.ChatFormat() != "" && !at.MatchString(err.Error()) {
					t.Fatalf("Parse(%q).Conversation(%d): error names no position: %v", text, i, err)
				}
				continue
			}
			if ds.ChatFormat() == "" {
				t.Fatalf("Parse(%q): a plain dataset's row %d read as a conversation", text, i)
			}
			for k, turn := range turns {
				if role, _ := turn["role"].(string); !slices.Contains(roles, role) {
					t.Fatalf("Parse(%q) row %d turn %d: role %v", text, i, k, turn["role"])
				}
				if _, ok := turn["content"].(string); !ok {
					t.Fatalf("Parse(%q) row %d turn %d: content %v", text, i, k, turn["content"])
				}
				for key, v := range turn {
					if v == nil {
						t.Fatalf("Parse(%q) row %d turn %d: %q is nil", text, i, k, key)
					}
				}
				var b bytes.Buffer
				encodeOrdered(t, &b, turn)
			}
			CheckTrainable(turns)
		}
		all, err := ds.Conversations()
		if (err == nil) != (first == nil) || err != nil && err.Error() != first.Error() || err == nil && len(all) != ds.Len() {
			t.Fatalf("Parse(%q).Conversations() = %d, %v; the first row's error is %v", text, len(all), err, first)
		}
	})
}
