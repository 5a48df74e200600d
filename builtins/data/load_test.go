package data

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadArray(t *testing.T) {
	ds, err := Load("testdata/alpaca.json")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 {
		t.Fatalf("Len = %d, want 3", ds.Len())
	}
	if got, want := ds.Columns(), []string{"instruction", "input", "output", "category"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Columns = %q, want %q", got, want)
	}
	want := map[string]any{"instruction": "Name a primary colour.", "output": "Blue.", "category": "trivia"}
	if got := ds.Row(2); !reflect.DeepEqual(got, want) {
		t.Errorf("Row(2) = %v, want %v", got, want)
	}
	if got := ds.Row(0)["output"]; got != "1. Eat a balanced diet.\n2. Exercise regularly.\n3. Sleep enough." {
		t.Errorf("Row(0)[output] = %q: escapes not decoded", got)
	}
	for i, line := range []int{2, 7, 12} {
		if got := ds.Line(i); got != line {
			t.Errorf("Line(%d) = %d, want %d", i, got, line)
		}
	}
	if ds.Name() != "testdata/alpaca.json" {
		t.Errorf("Name = %q", ds.Name())
	}
}

func TestLoadLines(t *testing.T) {
	ds, err := Load("testdata/rows.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 {
		t.Fatalf("Len = %d, want 3 (blank lines are no rows)", ds.Len())
	}
	if got, want := ds.Columns(), []string{"text", "id", "tags"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Columns = %q, want %q", got, want)
	}
	rows := []map[string]any{
		{"text": "first row", "id": 1.0},
		{"text": "second row", "tags": []any{"a", "b"}},
		{"text": "café é", "id": 3.0},
	}
	for i, want := range rows {
		if got := ds.Row(i); !reflect.DeepEqual(got, want) {
			t.Errorf("Row(%d) = %v, want %v", i, got, want)
		}
	}
	for i, line := range []int{1, 3, 5} {
		if got := ds.Line(i); got != line {
			t.Errorf("Line(%d) = %d, want %d", i, got, line)
		}
	}
}

// TestDetectByContent: the form comes from the content, not the extension.
func TestDetectByContent(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		rows          int
	}{
		{"lines.json", "{\"a\": \"x\"}\n{\"a\": \"y\"}\n", 2},
		{"array.jsonl", "[{\"a\": \"x\"},\n {\"a\": \"y\"}, {\"a\": \"z\"}]", 3},
		{"one.json", "  {\"a\": \"x\", \"b\": [1, 2]}\n", 1},
		{"empty-array.json", " [ ] ", 0},
		{"one-line-rows.txt", `{"a": 1}{"a": 2}` + "\n" + `{"a": 3}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Load(writeFile(t, tc.name, tc.content))
			if tc.name == "one-line-rows.txt" {
				// Two values on one line are not JSON Lines.
				if err == nil || !strings.Contains(err.Error(), "line 1, column 9") {
					t.Fatalf("err = %v, want a syntax error at line 1, column 9", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != tc.rows {
				t.Errorf("Len = %d, want %d", ds.Len(), tc.rows)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		want          []string // every one must be in the message
		notWant       string
	}{
		{"empty", " \n\t", []string{"empty.json: empty"}, ""},
		{"not-json", "\n  instruction,output\n", []string{"line 2, column 3", `'i'`, "not JSON"}, ""},
		// Columns count characters: "é" is one.
		{"array-syntax", "[\n{\"a\": \"x\"},\n{\"a\": \"é\"},,\n]", []string{"array-syntax.json: line 3, column 12", "invalid character ','"}, ""},
		{"array-not-object", "[\n {\"a\": 1},\n \"text\"\n]", []string{"row 1 (line 3) is a string, not an object"}, ""},
		{"lines-syntax", "{\"a\": 1}\n\n{\"a\": 2, \"b\": tru}\n", []string{"line 3, column 18", "(row 1)"}, "one whole object"},
		{"lines-split-object", "{\"a\": 1}\n{\"a\": 2,\n \"b\": 3}\n", []string{"line 2, column 8", "unexpected end of JSON input", "one whole object on one line", "(row 1)"}, ""},
		{"lines-not-object", "{\"a\": 1}\n[1, 2]\n", []string{"row 1 (line 2) is an array, not an object"}, ""},
		{"pretty-object", "{\n  \"a\": 1\n}\n", []string{"one JSON object spread over several lines"}, ""},
		{"truncated-array", "[{\"a\": 1},\n {\"a\": 2", []string{"line 2, column 8", "unexpected end of JSON input"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, tc.name+".json", tc.content))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.notWant != "" && strings.Contains(err.Error(), tc.notWant) {
				t.Errorf("error %q says %q", err, tc.notWant)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.jsonl")); err == nil || !strings.Contains(err.Error(), "missing.jsonl") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestParse(t *testing.T) {
	ds, err := Parse(`[{"q": "2+2?", "a": "4"}]`)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1 || ds.Row(0)["a"] != "4" || ds.Name() != "" {
		t.Errorf("Parse: %v", ds)
	}
	_, err = Parse("{\"q\": 1}\n{\"q\": }")
	if err == nil || !strings.HasPrefix(err.Error(), "data: line 2, column 7: ") {
		t.Errorf("err = %v, want it to start with the position", err)
	}
}

func TestFromRows(t *testing.T) {
	ds, err := FromRows([]map[string]any{{"b": "x", "a": 1}, {"c": true}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ds.Columns(), []string{"a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Columns = %q, want %q", got, want)
	}
	if got, want := ds.Row(0), (map[string]any{"b": "x", "a": 1.0}); !reflect.DeepEqual(got, want) {
		t.Errorf("Row(0) = %v, want %v", got, want)
	}
	if ds.Line(0) != 0 {
		t.Errorf("Line(0) = %d, want 0", ds.Line(0))
	}
	if _, err := FromRows([]map[string]any{{"a": "x"}, nil}); err == nil || !strings.Contains(err.Error(), "row 1 is nil") {
		t.Errorf("nil row: err = %v", err)
	}
	if _, err := FromRows([]map[string]any{{"f": func() {}}}); err == nil || !strings.Contains(err.Error(), "row 0") {
		t.Errorf("func value: err = %v", err)
	}
}

func TestHeadAndRowRange(t *testing.T) {
	ds, err := Load("testdata/alpaca.json")
	if err != nil {
		t.Fatal(err)
	}
	h := ds.Head(2)
	if h.Len() != 2 || h.Row(1)["input"] != "The cat sleeps." {
		t.Errorf("Head(2) = %v", h)
	}
	if got, want := h.Columns(), []string{"instruction", "input", "output"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Head(2).Columns = %q, want %q: only the keys of its rows", got, want)
	}
	if ds.Head(10).Len() != 3 || ds.Head(-1).Len() != 0 {
		t.Error("Head does not clamp n")
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "row 3 out of range") {
			t.Errorf("Row(3) recovered %v", r)
		}
	}()
	ds.Row(3)
}
