package formats

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/data"
)

func alpaca(t *testing.T) *Format {
	t.Helper()
	f, err := Load("../../formats/alpaca-format.json")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func loadRows(t *testing.T) *data.Dataset {
	t.Helper()
	ds, err := data.Load("testdata/rows.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestApply(t *testing.T) {
	texts, err := alpaca(t).Apply(loadRows(t))
	if err != nil {
		t.Fatal(err)
	}
	const (
		short = "Here is a task. Write a response that carries it out.\n\n"
		long  = "Here is a task, with input that gives it context. Write a response that carries it out.\n\n"
	)
	want := []string{
		// An empty input leaves input out of K.
		short + "### Instruction:\nName a primary colour.\n\n### Response:\nBlue.",
		// A number is not text: id is not in K.
		long + "### Instruction:\nTranslate into French.\n\n### Input:\nThe cat sleeps.\n\n### Response:\nLe chat dort.",
		// White space alone is empty; null is not text.
		short + "### Instruction:\nAdd the numbers.\n\n### Response:\nThere are none.",
		// A value is put in as it is and not read for placeholders again.
		long + "### Instruction:\nQuote it back.\n\n### Input:\n%output% stays\n\n### Response:\nDone: %instruction%",
	}
	if len(texts) != len(want) {
		t.Fatalf("%d texts, want %d", len(texts), len(want))
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("row %d:\n got %q\nwant %q", i, texts[i], want[i])
		}
	}
}

// TestFirstTemplateWins: of two templates for one key set, the first in the
// file formats the rows.
func TestFirstTemplateWins(t *testing.T) {
	f, err := Parse(`{"q, a": "first %q% %a%", "x": "%x%", "a,q": "second %q% %a%"}`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Prompt(map[string]any{"q": "Q", "a": "A"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Text != "first Q A" || p.KeySet != "q, a" {
		t.Errorf("prompt %+v", p)
	}
}

func TestParts(t *testing.T) {
	ds := loadRows(t)
	prompts, err := alpaca(t).Prompts(ds)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range prompts {
		row := ds.Row(i)
		at := 0
		var template strings.Builder
		for _, part := range p.Parts {
			if part.Start != at || part.End <= part.Start {
				t.Fatalf("row %d: parts %+v do not cover the text in order", i, p.Parts)
			}
			at = part.End
			got := p.Text[part.Start:part.End]
			if part.Key == "" {
				template.WriteString(got)
			} else if got != row[part.Key] {
				t.Errorf("row %d: part %+v holds %q, the row's %s is %q", i, part, got, part.Key, row[part.Key])
			}
		}
		if at != len(p.Text) {
			t.Errorf("row %d: parts end at %d of %d", i, at, len(p.Text))
		}
		if !strings.HasPrefix(template.String(), "Here is a task") || strings.Contains(template.String(), "Blue.") {
			t.Errorf("row %d: template parts %q", i, template.String())
		}
	}
}

func TestApplyMismatch(t *testing.T) {
	rows := []map[string]any{{"instruction": "a", "output": "b"}}
	for i := range 7 {
		rows = append(rows, map[string]any{"instruction": "a", "output": "b", "extra": fmt.Sprint("x", i)})
	}
	rows = append(rows, map[string]any{"output": " ", "n": 3})
	ds, err := data.FromRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := alpaca(t).Apply(ds)
	if err == nil {
		t.Fatal("no error")
	}
	if texts != nil {
		t.Error("texts returned with the error")
	}
	for _, want := range []string{
		"8 of 9 rows of the dataset match no template",
		`row 1: non-empty keys "extra,instruction,output"`,
		`row 5: non-empty keys "extra,instruction,output"`,
		"and 3 more",
		`key sets on offer: "instruction,output", "instruction,input,output"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	ds, err = data.Parse("{\"instruction\": \"a\", \"output\": \"b\"}\n\n{\"output\": \"\"}\n")
	if err != nil {
		t.Fatal(err)
	}
	_, err = alpaca(t).Apply(ds)
	if err == nil || !strings.Contains(err.Error(), "row 1 (line 3): no key with non-empty text") {
		t.Errorf("err = %v, want row 1 named with its line", err)
	}
}

func TestChatbotFormat(t *testing.T) {
	f, err := Load("../../formats/alpaca-chatbot-format.json")
	if err != nil {
		t.Fatal(err)
	}
	texts, err := f.Apply(loadRows(t).Head(2))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"User: Name a primary colour.\nAssistant: Blue.",
		"User: Translate into French.\n\nThe cat sleeps.\nAssistant: Le chat dort.",
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("row %d: %q, want %q", i, texts[i], want[i])
		}
	}
}
