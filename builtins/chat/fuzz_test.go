package chat

import (
	"testing"
)

// FuzzParse parses and renders random template text: Parse and Render may
// fail, never panic.
func FuzzParse(f *testing.F) {
	for _, name := range Names() {
		t, err := Named(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(t.Source())
	}
	f.Add("{% generation %}{{ messages[0]['content'] | tojson(indent=2) }}{% endgeneration %}")
	f.Add("{{ (messages | map(attribute='role') | list) | tojson(separators=(',', ':')) }}{%- raw %}{{ x }}{% endraw -%}")
	f.Add("{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% if loop.last %}{% break %}{% endif %}{% endfor %}{{ ns.n }}")
	msgs := []Message{
		{"role": "system", "content": "sys"},
		{"role": "user", "content": "hi", "name": nil},
		{"role": "assistant", "content": " ok \n", "tool_calls": []any{map[string]any{"function": map[string]any{"name": "f", "arguments": map[string]any{"a": 1}}}}},
	}
	f.Fuzz(func(t *testing.T, source string) {
		tmpl, err := Parse(source)
		if err != nil {
			return
		}
		if tmpl.Source() != source {
			t.Fatalf("Source() = %q, want %q", tmpl.Source(), source)
		}
		opts := Options{AddGenerationPrompt: true, Tools: []map[string]any{{"type": "function"}}}
		if _, err := tmpl.Render(msgs, opts); err != nil {
			return
		}
		text, spans, err := tmpl.RenderSpans(msgs, opts)
		if err != nil {
			return
		}
		for _, s := range spans {
			if s.Start < 0 || s.Start > s.End || s.End > len(text) {
				t.Fatalf("span %+v outside the %d bytes of the text", s, len(text))
			}
		}
	})
}
