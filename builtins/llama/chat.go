package llama

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golora/golora/builtins/chat"
	"github.com/golora/golora/internal/busy"
)

// hfChatTemplate returns the chat template of a Hugging Face model folder:
// chat_template.jinja, where transformers saves it since v4.50, else
// tokenizer_config.json's chat_template (a string, or a list of named
// templates, of which the one named "default"); "" when it has none.
func hfChatTemplate(dir string) string {
	if b, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
		return string(b)
	}
	b, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		return ""
	}
	var cfg struct {
		ChatTemplate json.RawMessage `json:"chat_template"`
	}
	if json.Unmarshal(b, &cfg) != nil || len(cfg.ChatTemplate) == 0 {
		return ""
	}
	var one string
	if json.Unmarshal(cfg.ChatTemplate, &one) == nil {
		return one
	}
	var named []struct{ Name, Template string }
	if json.Unmarshal(cfg.ChatTemplate, &named) == nil {
		for _, t := range named {
			if t.Name == "default" {
				return t.Template
			}
		}
	}
	return ""
}

// SetChatTemplate makes t the model's chat template, for Chat and for
// lora.FromChat without a template of its own: for a model that has none,
// or to use another (chat.Named("chatml"), chat.Parse(text)).
func (m *Model) SetChatTemplate(t *chat.Template) error {
	if t == nil {
		return fmt.Errorf("llama: SetChatTemplate(nil): make one with chat.Named or chat.Parse")
	}
	m.chatTemplate = t.Source()
	return nil
}

// Template returns the model's chat template (ChatTemplate), compiled, or
// an error that says how to set one when the model has none.
func (m *Model) Template() (*chat.Template, error) {
	if m.chatTemplate == "" {
		return nil, fmt.Errorf("the model %s has no chat template (a GGUF file's tokenizer.chat_template, a Hugging Face folder's chat_template): set one with model.SetChatTemplate(t), t from chat.Named(\"chatml\") (chat.Names() lists golora's) or chat.Parse", m.Name())
	}
	t, err := chat.Parse(m.chatTemplate)
	if err != nil {
		return nil, fmt.Errorf("the chat template of %s: %w", m.Name(), err)
	}
	return t, nil
}

// ChatOptions are the template variables the model's tokenizer gives:
// bos_token and eos_token, as transformers passes them.
func (m *Model) ChatOptions() chat.Options {
	var o chat.Options
	if m.tok == nil {
		return o
	}
	if id := m.tok.BOS(); id >= 0 {
		o.BOSToken = m.tok.Token(id)
	}
	if id := m.tok.EOS(); id >= 0 {
		o.EOSToken = m.tok.Token(id)
	}
	return o
}

// Chat answers a conversation: it renders messages with the model's chat
// template and its generation prompt, generates the assistant's reply,
// streamed into the cell unless opts.Quiet, and returns it. Generation
// stops at the template's end-of-turn token (<|im_end|>, <|eot_id|>, …,
// found by rendering a short conversation), at EOS, or as GenOptions say.
// The rendered text is tokenized as the template writes it: no BOS is
// added. With an adapter, chat with m.WithAdapter(a).
//
//	reply, err := model.Chat(ctx, []chat.Message{
//		{"role": "system", "content": "You are terse."},
//		{"role": "user", "content": "What is a tomb?"},
//	}, llama.GenOptions{MaxNewTokens: 64})
func (m *Model) Chat(ctx context.Context, messages []chat.Message, opts GenOptions) (string, error) {
	defer busy.Enter(ctx)()
	tok, err := m.tokenizer()
	if err != nil {
		return "", err
	}
	t, err := m.Template()
	if err != nil {
		return "", fmt.Errorf("llama: chat: %w", err)
	}
	vars := m.ChatOptions()
	vars.AddGenerationPrompt = true
	prompt, err := t.Render(messages, vars)
	if err != nil {
		return "", fmt.Errorf("llama: chat: %w", err)
	}
	var out io.Writer = os.Stdout
	if opts.Quiet {
		out = io.Discard
	}
	s := &stream{tok: tok, eos: slices.Clone(m.Config.EOS), stop: opts.Stop, out: out}
	if id := tok.EOS(); id >= 0 && !slices.Contains(s.eos, id) {
		s.eos = append(s.eos, id)
	}
	if end := endOfTurn(t, vars); end != "" {
		if ids := tok.Encode(end, false); len(ids) == 1 {
			s.eos = append(s.eos, ids[0])
		} else {
			s.stop = append(slices.Clone(s.stop), end)
		}
	}
	stops := s.eos
	_, err = m.GenerateIDs(ctx, tok.Encode(prompt, false), opts, func(id int) bool {
		if slices.Contains(stops, id) {
			return false
		}
		return s.add(id)
	})
	s.finish()
	return s.text, err
}

// endOfTurn returns the text the template writes after an assistant's
// reply to close its turn ("<|im_end|>", "<|eot_id|>", "</s>"), found by
// rendering a short conversation, or "" when it writes none.
func endOfTurn(t *chat.Template, vars chat.Options) string {
	const reply = "Reply."
	vars.AddGenerationPrompt = false
	text, spans, err := t.RenderSpans([]chat.Message{{"role": "user", "content": "Ask."}, {"role": "assistant", "content": reply}}, vars)
	if err != nil || len(spans) == 0 {
		return ""
	}
	span := text[spans[len(spans)-1].Start:spans[len(spans)-1].End]
	_, after, ok := strings.Cut(span, reply)
	if !ok {
		return ""
	}
	return strings.TrimSpace(after)
}
