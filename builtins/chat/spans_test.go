package chat

import (
	"strings"
	"testing"
)

// TestPrefixSpansChatML checks the spans RenderSpans finds from prefixes
// on ChatML (SmolLM2's template and golora's own): each covers the
// assistant's content and its <|im_end|>, never a role header, the
// newline after <|im_end|> or another turn's text.
func TestPrefixSpansChatML(t *testing.T) {
	_, convs, _ := conversations(t)
	smol, err := Parse(loadTemplate(t, "smollm2"))
	if err != nil {
		t.Fatal(err)
	}
	own, err := Named("chatml")
	if err != nil {
		t.Fatal(err)
	}
	for name, tmpl := range map[string]*Template{"smollm2": smol, "chatml": own} {
		if tmpl.HasGeneration() {
			t.Fatalf("%s: has {%% generation %%}: the test is of prefix spans", name)
		}
		for conv, want := range map[string][]string{
			"plain":      {"Paris.<|im_end|>", "Berlin.<|im_end|>"},
			"unicode":    {"La patience: 忍耐, ждать ✓<|im_end|>"},
			"whitespace": {"\nA first line.\n\n  An indented second.  \n<|im_end|>"},
		} {
			for _, agp := range []bool{false, true} {
				text, spans, err := tmpl.RenderSpans(convs[conv], Options{AddGenerationPrompt: agp})
				if err != nil {
					t.Fatalf("%s/%s: %v", name, conv, err)
				}
				plain, err := tmpl.Render(convs[conv], Options{AddGenerationPrompt: agp})
				if err != nil || plain != text {
					t.Fatalf("%s/%s: RenderSpans's text is not Render's (%v)", name, conv, err)
				}
				if len(spans) != len(want) {
					t.Fatalf("%s/%s: %d spans, want %d: %+v", name, conv, len(spans), len(want), spans)
				}
				for k, s := range spans {
					got := text[s.Start:s.End]
					if got != want[k] {
						t.Errorf("%s/%s: span %d is %q, want %q", name, conv, k, got, want[k])
					}
					if convs[conv][s.Message]["role"] != "assistant" {
						t.Errorf("%s/%s: span %d names message %d, a %v", name, conv, k, s.Message, convs[conv][s.Message]["role"])
					}
					if !strings.HasSuffix(text[:s.Start], "<|im_start|>assistant\n") {
						t.Errorf("%s/%s: span %d does not start right after the assistant header: %q", name, conv, k, text[max(0, s.Start-30):s.Start])
					}
					if strings.Contains(got, "<|im_start|>") || strings.Contains(got, "user") {
						t.Errorf("%s/%s: span %d holds a header or user text: %q", name, conv, k, got)
					}
				}
			}
		}
	}
}

// TestGenerationSpansMessages checks which messages the {% generation %}
// spans of TRL's Qwen2.5 training template are given, and that they agree
// with the spans found from prefixes of the same conversation on the
// template without the blocks, Qwen2.5's own, but for the newlines around
// a turn that TRL's blocks hold.
func TestGenerationSpansMessages(t *testing.T) {
	_, convs, tools := conversations(t)
	training, err := Parse(loadTemplate(t, "trl/qwen2_5_training.jinja"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Parse(loadTemplate(t, "llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja"))
	if err != nil {
		t.Fatal(err)
	}
	if !training.HasGeneration() || plain.HasGeneration() {
		t.Fatal("want the training template with {% generation %} and the plain one without")
	}
	for conv, wantMessages := range map[string][]int{"plain": {2, 4}, "tools": {2, 4}, "nosystem": {1}} {
		opts := Options{}
		if conv == "tools" {
			opts.Tools = tools
		}
		gtext, gspans, err := training.RenderSpans(convs[conv], opts)
		if err != nil {
			t.Fatalf("%s: %v", conv, err)
		}
		ptext, pspans, err := plain.RenderSpans(convs[conv], opts)
		if err != nil {
			t.Fatalf("%s: %v", conv, err)
		}
		if gtext != ptext {
			t.Fatalf("%s: the training template renders otherwise: %s", conv, firstDifference(gtext, ptext))
		}
		if len(gspans) != len(wantMessages) || len(pspans) != len(wantMessages) {
			t.Fatalf("%s: %d generation spans and %d prefix spans, want %d", conv, len(gspans), len(pspans), len(wantMessages))
		}
		for k := range gspans {
			if gspans[k].Message != wantMessages[k] {
				t.Errorf("%s: generation span %d names message %d, want %d", conv, k, gspans[k].Message, wantMessages[k])
			}
			g, p := gtext[gspans[k].Start:gspans[k].End], ptext[pspans[k].Start:pspans[k].End]
			// TRL's blocks also hold the newlines around the turn.
			if strings.TrimSpace(g) != p || !strings.HasSuffix(p, "<|im_end|>") {
				t.Errorf("%s: generation span %d %q, prefix span %q", conv, k, g, p)
			}
		}
	}
}
