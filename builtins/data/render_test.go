package data

import (
	"strings"
	"testing"

	"github.com/golora/golora/builtins/display"
)

func TestRender(t *testing.T) {
	rows := make([]map[string]any, 12)
	for i := range rows {
		rows[i] = map[string]any{"text": strings.Repeat("long text ", 30), "n": i}
	}
	rows[1] = map[string]any{"other": []any{1, "a"}}
	ds, err := FromRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	b := ds.Render()
	html, _ := b.Data[display.MIMEHTML].(string)
	for _, want := range []string{"12 rows × 3 columns (first 10 shown)", "<th>n</th>", "<th>text</th>", "<th>other</th>", "[1,&#34;a&#34;]", "…"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(html, strings.Repeat("long text ", 30)) {
		t.Error("a long value is not shortened")
	}
	if strings.Count(html, "<tr>") != 11 { // header and 10 rows
		t.Errorf("%d table rows, want 11", strings.Count(html, "<tr>"))
	}
	text := b.Text()
	if !strings.HasPrefix(text, "dataset: 12 rows × 3 columns") {
		t.Errorf("text starts %q", text[:40])
	}

	ds, err = Load("testdata/alpaca.json")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ds.String(), "dataset testdata/alpaca.json: 3 rows, columns instruction, input, output, category"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}
