package chat

import (
	"slices"
	"strings"
	"testing"
)

// TestNamedFollowPublished renders golora's own ChatML and Llama 3
// templates and the families' published ones (SmolLM2's, which adds a
// default system prompt when there is none, and Meta's Llama 3 as TRL
// ships it) on the same conversations: the texts must be equal.
func TestNamedFollowPublished(t *testing.T) {
	names, convs, _ := conversations(t)
	for _, c := range []struct {
		named, published string
		convs            []string
	}{
		{"chatml", "smollm2", []string{"plain", "unicode"}},
		{"llama3", "trl/llama3.jinja", names},
	} {
		own, err := Named(c.named)
		if err != nil {
			t.Fatal(err)
		}
		published, err := Parse(loadTemplate(t, c.published))
		if err != nil {
			t.Fatal(err)
		}
		for _, conv := range c.convs {
			for _, agp := range []bool{false, true} {
				opts := Options{AddGenerationPrompt: agp, BOSToken: "<|begin_of_text|>", EOSToken: "<|eot_id|>"}
				want, err := published.Render(convs[conv], opts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := own.Render(convs[conv], opts)
				if err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("%s on %s (generation prompt %v): %s", c.named, conv, agp, firstDifference(got, want))
				}
			}
		}
	}
}

func TestNamedAlpaca(t *testing.T) {
	if !slices.Equal(Names(), []string{"alpaca", "chatml", "llama3"}) {
		t.Fatalf("Names() = %v", Names())
	}
	tmpl, err := Named("alpaca")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		{"role": "user", "content": "What is patience?"},
		{"role": "assistant", "content": "A minor form of despair."},
	}
	text, spans, err := tmpl.RenderSpans(msgs, Options{EOSToken: "</s>"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "Below is an instruction") || !strings.Contains(text, "### Instruction:\nWhat is patience?\n\n### Response:\n") {
		t.Errorf("alpaca renders %q", text)
	}
	if len(spans) != 1 || text[spans[0].Start:spans[0].End] != "A minor form of despair.</s>" {
		t.Errorf("alpaca spans %+v of %q", spans, text)
	}
	_, err = tmpl.Render([]Message{{"role": "tool", "content": "x"}}, Options{})
	wantError(t, "alpaca with a tool message", err, "no role tool")
	prompt, err := tmpl.Render(msgs[:1], Options{AddGenerationPrompt: true})
	if err != nil || !strings.HasSuffix(prompt, "### Response:\n") {
		t.Errorf("alpaca prompt %q, %v", prompt, err)
	}
}
