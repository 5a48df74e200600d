package formats

import (
	"strings"
	"testing"

	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/display"
)

func TestPreview(t *testing.T) {
	tok := loadTokenizer(t, byteLevelPath)
	ds := loadRows(t)
	texts := alpacaTexts(t)
	lengths := TokenLengths(texts, tok)
	// A cutoff between the two shortest rows' lengths and the others'.
	cutoff := lengths[0] + 1
	p := alpaca(t).Preview(ds, tok, 2, cutoff)
	text := p.String()
	if !strings.HasPrefix(text, "Format preview: 2 of 4 rows of testdata/rows.jsonl; tokens include BOS; cutoff") {
		t.Errorf("caption: %q", strings.SplitN(text, "\n", 2)[0])
	}
	rows := strings.Split(text, "\n── ")[1:]
	if len(rows) != 2 {
		t.Fatalf("%d rows in the text form, want 2:\n%s", len(rows), text)
	}
	if !strings.Contains(rows[0], "«Name a primary colour.»") || strings.Contains(rows[0], "✂") {
		t.Errorf("row 0:\n%s", rows[0])
	}
	header, body, _ := strings.Cut(rows[1], "\n")
	if want := "row 1 (line 2) · instruction,input,output · "; !strings.HasPrefix(header, want) || !strings.HasSuffix(header, " tokens") {
		t.Errorf("row 1 header %q", header)
	}
	// What comes before the ✂ is the text of the first cutoff tokens.
	kept, _, found := strings.Cut(strings.NewReplacer("«", "", "»", "").Replace(body), "✂")
	if !found {
		t.Fatalf("row 1 is longer than the cutoff %d (%d tokens) but has no ✂:\n%s", cutoff, lengths[1], body)
	}
	if want := tok.Decode(tok.Encode(texts[1], true)[:cutoff]); kept != want {
		t.Errorf("text before ✂ %q, want the first %d tokens' %q", kept, cutoff, want)
	}

	html, _ := p.Render().Data[display.MIMEHTML].(string)
	for _, want := range []string{
		`<span style="color:#8a8a8a">Here is a task. Write a response that carries it out.`,
		`<span title="instruction">Name a primary colour.</span>`,
		`title="cutoff`,
		"background:rgba(220,0,0,0.12)",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
}

func TestPreviewMismatchAndNoTokenizer(t *testing.T) {
	ds, err := data.FromRows([]map[string]any{{"instruction": "a", "output": "b"}, {"question": "c"}})
	if err != nil {
		t.Fatal(err)
	}
	p := alpaca(t).Preview(ds, nil, 0, 256)
	text := p.String()
	for _, want := range []string{"(no tokenizer: no token counts)", "── row 0 · instruction,output\n", "── row 1\nformats: no template for a row with non-empty keys \"question\""} {
		if !strings.Contains(text, want) {
			t.Errorf("text form lacks %q:\n%s", want, text)
		}
	}
	html, _ := p.Render().Data[display.MIMEHTML].(string)
	if !strings.Contains(html, "no template for a row") {
		t.Error("HTML lacks the error")
	}
}
