package chat

import (
	"strings"
	"testing"
)

// wantError fails unless err holds every one of parts.
func wantError(t *testing.T, what string, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one saying %q", what, parts)
		return
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not say %q", what, err, p)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, c := range []struct {
		source string
		parts  []string
	}{
		{"Hello\n  {% if messages %}\n{{ messages[0] }}", []string{"line 2, column 3", "{% if %} is never closed with {% endif %}"}},
		{"{% for m in messages %}\n{% endif %}", []string{"line 2, column 1", "{% endif %}", "{% for %} of line 1, column 1"}},
		{"{% endfor %}", []string{"line 1, column 1", "closes no open {% for %}"}},
		{"text\n{{ 'unclosed }}", []string{"line 2, column 1", "string literal"}},
		{"a\n\n{{ messages +", []string{"line 3, column 1", "never closed with }}"}},
		{"{# a comment", []string{"line 1, column 1", "comment"}},
		{"one\n{{ 1 + }}", []string{"line 2, column 1", "the tag ends where more is needed"}},
		{"{% generation %}x", []string{"line 1, column 1", "{% generation %} is never closed"}},
	} {
		_, err := Parse(c.source)
		wantError(t, c.source, err, append(c.parts, "chat template")...)
	}
}

func TestRenderErrors(t *testing.T) {
	tmpl, err := Parse("{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported by this model') }}{% endif %}{{ m.content }}{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmpl.Render([]Message{{"role": "user", "content": "hi"}}, Options{}); err != nil {
		t.Fatal(err)
	}
	_, err = tmpl.Render([]Message{{"role": "system", "content": "be brief"}}, Options{})
	wantError(t, "raise_exception", err, "chat template", "System role not supported by this model")

	_, err = tmpl.Render(nil, Options{Vars: map[string]any{"messages": 1}})
	wantError(t, "Vars setting messages", err, "Options.Vars sets messages")

	_, err = tmpl.Render([]Message{{"role": "user", "content": make(chan int)}}, Options{})
	wantError(t, "a channel", err, "chat message 0", `"content"`, "chan int")
}

func TestNamedErrors(t *testing.T) {
	_, err := Named("vicuna")
	wantError(t, "unknown name", err, `"vicuna"`, "alpaca, chatml, llama3")
}

// TestNotPrefixStable checks that RenderSpans refuses a template that
// renders a turn otherwise when it is the last one, and says what to do.
func TestNotPrefixStable(t *testing.T) {
	tmpl, err := Parse("{% for m in messages %}{% if loop.last %}[final] {% endif %}{{ m.role }}: {{ m.content }}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}")
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = tmpl.RenderSpans([]Message{
		{"role": "user", "content": "hi"},
		{"role": "assistant", "content": "hello"},
		{"role": "user", "content": "bye"},
	}, Options{})
	wantError(t, "not prefix-stable", err, "assistant message 1", "differently depending on what follows", "{% generation %}")
}
