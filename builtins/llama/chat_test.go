package llama

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/chat"
	"github.com/golora/golora/internal/testfiles"
)

// TestHFChatTemplate reads a Hugging Face folder's chat template from
// chat_template.jinja, else from tokenizer_config.json's chat_template as a
// string or as a list of named templates (the "default" one).
func TestHFChatTemplate(t *testing.T) {
	for _, c := range []struct {
		what, jinja, config, want string
	}{
		{"none", "", `{"bos_token": "<s>"}`, ""},
		{"a string", "", `{"chat_template": "{{ messages[0]['content'] }}"}`, "{{ messages[0]['content'] }}"},
		{"named", "", `{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}`, "D"},
		{"chat_template.jinja first", "J", `{"chat_template": "C"}`, "J"},
	} {
		dir := t.TempDir()
		if c.jinja != "" {
			os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte(c.jinja), 0o644)
		}
		os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(c.config), 0o644)
		if got := hfChatTemplate(dir); got != c.want {
			t.Errorf("%s: %q, want %q", c.what, got, c.want)
		}
	}
}

// TestEndOfTurn finds the token that closes an assistant's turn in the
// named templates.
func TestEndOfTurn(t *testing.T) {
	for name, want := range map[string]string{"chatml": "<|im_end|>", "llama3": "<|eot_id|>", "alpaca": "</s>"} {
		tmpl, err := chat.Named(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := endOfTurn(tmpl, chat.Options{BOSToken: "<s>", EOSToken: "</s>"}); got != want {
			t.Errorf("%s: end of turn %q, want %q", name, got, want)
		}
	}
}

// TestChatSmolLM2 chats with SmolLM2-135M-Instruct through its own
// template: greedy, it answers the question and stops at <|im_end|>, and
// its reply is what greedy generation from the rendered prompt gives.
func TestChatSmolLM2(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 135M-parameter model")
	}
	m, err := Load(context.Background(), testfiles.SmolLM2(t))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []chat.Message{{"role": "user", "content": "What is the capital of France?"}}
	reply, err := m.Chat(context.Background(), msgs, GenOptions{MaxNewTokens: 40, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reply: %q", reply)
	if !strings.Contains(reply, "Paris") || strings.Contains(reply, "<|im") || strings.Contains(reply, "user") {
		t.Errorf("reply %q: want Paris, and nothing past the end of the turn", reply)
	}
	tmpl, _ := chat.Parse(m.ChatTemplate())
	prompt, err := tmpl.Render(msgs, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.GenerateIDs(context.Background(), m.Tokenizer().Encode(prompt, false), GenOptions{MaxNewTokens: 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := m.Tokenizer().Decode(ids); strings.TrimSpace(want) != strings.TrimSpace(reply) {
		t.Errorf("Chat %q, greedy generation from the rendered prompt %q", reply, want)
	}
}

// TestChatErrors: a model without a template says how to set one.
func TestChatErrors(t *testing.T) {
	m, _ := testModel(t, "llama3")
	if m.ChatTemplate() != "" {
		t.Skip("the llama3 test model has a chat template")
	}
	c := m.WithAdapter(nil)
	_, err := c.Chat(context.Background(), []chat.Message{{"role": "user", "content": "hi"}}, GenOptions{Quiet: true, MaxNewTokens: 2})
	if err == nil || !strings.Contains(err.Error(), "SetChatTemplate") {
		t.Errorf("Chat without a template: %v", err)
	}
	tmpl, _ := chat.Named("chatml")
	if err := c.SetChatTemplate(tmpl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Chat(context.Background(), []chat.Message{{"role": "user", "content": "hi"}}, GenOptions{Quiet: true, MaxNewTokens: 2}); err != nil {
		t.Errorf("Chat with chatml: %v", err)
	}
}
