package lora

import (
	"strings"
	"testing"

	"github.com/golora/golora/builtins/display"
)

// TestPreviewFormat previews texts trained after a marker: the trained
// text between « and » is exactly the answer, the BOS shows as a special
// token, an example over the cutoff shows its count against it and a ✂,
// and the HTML form colours the trained text.
func TestPreviewFormat(t *testing.T) {
	m := tinyModel(t)
	long := texts[1] + strings.Repeat(" stone river light", 30)
	cfg := Config{CutoffLen: 64, TrainOnlyAfter: "### Response:\n"}
	p := Preview(FromTexts([]string{texts[0], long, texts[2], texts[3]}), m, 2, cfg)
	if p.Err() != nil {
		t.Fatal(p.Err())
	}
	s := p.String()
	t.Log(s)
	if len(p.rows) != 2 {
		t.Fatalf("%d rows, want the 2 asked for", len(p.rows))
	}
	first := strings.SplitN(s, "\n── ", 3)[1]
	answer := texts[0][strings.Index(texts[0], "### Response:\n")+len("### Response:\n"):]
	if !strings.Contains(first, "«"+answer+"»") || strings.Count(first, "«") != 1 {
		t.Errorf("example 0: want the answer %q alone between « and »:\n%s", answer, first)
	}
	bos := m.Tokenizer().Token(m.Tokenizer().BOS())
	if !strings.Contains(first, "⟨"+bos+"⟩") {
		t.Errorf("example 0: want the BOS %q shown as a special token:\n%s", bos, first)
	}
	second := strings.SplitN(s, "\n── ", 3)[2]
	if !strings.Contains(second, "> 64 tokens") || !strings.Contains(second, "✂") {
		t.Errorf("example 1: want its count against CutoffLen 64 and the cut:\n%s", second)
	}
	if !strings.Contains(s, "CutoffLen 64: 1 longer, cut at ✂") {
		t.Errorf("caption: want the count of examples over the cutoff:\n%s", s)
	}
	h := p.Render().Data[display.MIMEHTML].(string)
	if !strings.Contains(h, trainedStyle) || !strings.Contains(h, specialStyle) || !strings.Contains(h, "✂") {
		t.Errorf("HTML form lacks the trained, special or cut styles:\n%s", h)
	}
	// A preview that cannot make its examples says why in its caption.
	if p := Preview(nil, m, 1); p.Err() == nil || !strings.Contains(p.String(), "want a Source") {
		t.Errorf("preview of no source: %q", p.String())
	}
}
