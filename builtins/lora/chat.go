package lora

import (
	"context"
	"fmt"

	"github.com/golora/golora/builtins/chat"
	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/llama"
)

// FromChat makes a Source of a conversation dataset (data.Load of rows
// with OpenAI "messages" or ShareGPT "conversations"), each row rendered by
// a chat template — tmpl, or the model's own when tmpl is nil (a GGUF
// file's tokenizer.chat_template, a Hugging Face folder's chat_template) —
// and tokenized as transformers' apply_chat_template(tokenize=True) does:
// the template writes the special tokens, no BOS is added.
//
// The loss trains on the assistant's turns only: each assistant message's
// content and the end-of-turn token that closes it (<|im_end|>,
// <|eot_id|>, …), never the role headers, the system prompt or the user's
// text. A template with {% generation %} blocks says itself what is
// trained, as transformers' return_assistant_tokens_mask reads it; for
// the others chat.Template.RenderSpans finds each assistant turn by
// rendering the conversation up to it. Config.LastTurnOnly trains the last
// assistant turn only.
//
// Before training every row is checked: the dataset must hold
// conversations that end with an assistant turn, and an example whose
// template marks every token as trained (a mask of all ones) is refused.
// Rows longer than CutoffLen follow Config.Overflow; lora.Preview shows
// the masks.
func FromChat(ds *data.Dataset, tmpl *chat.Template) *Source {
	return &Source{
		kind: "chat",
		make: func(ctx context.Context, model *llama.Model, cfg Config) (made, error) {
			rows, err := chatRows(ctx, ds, tmpl, model, cfg)
			if err != nil {
				return made{}, err
			}
			m := made{names: rowNames(ds, len(rows))}
			for i, r := range rows {
				e := r.example(cfg.CutoffLen)
				if n := len(e.IDs); n > 2 && countTrue(e.Mask) == n-1 {
					return made{}, fmt.Errorf("lora: dataset %s %s: the chat template marks every token as the assistant's, the role headers and the user's text too: it is not a template whose turns can be told apart (see lora.Preview); use a template with {%% generation %%} blocks", ds.Name(), m.names[i])
				}
				m.examples = append(m.examples, e)
			}
			return m, nil
		},
		about: func(cfg Config) any {
			about := map[string]any{"source": "chat", "last_turn_only": cfg.LastTurnOnly}
			if ds != nil {
				about["dataset"], about["rows"], about["chat_format"] = ds.Name(), ds.Len(), ds.ChatFormat()
			}
			if tmpl != nil {
				about["chat_template"] = tmpl.Source()
			} else {
				about["chat_template"] = "the model's"
			}
			return about
		},
	}
}

// chatRow is one conversation as the model reads it: the rendered text,
// its tokens and their offsets in it, and the assistant spans trained.
type chatRow struct {
	text    string
	ids     []int
	offsets []int // byte offset of each token's start in text
	spans   []chat.Span
}

// example returns the row as a training example cut at cutoff: token t is
// trained when its text overlaps an assistant span.
func (r chatRow) example(cutoff int) Example {
	n := min(len(r.ids), cutoff)
	e := Example{IDs: r.ids[:n:n], Mask: make([]bool, n), Truncated: len(r.ids) - n}
	for t := 1; t < n; t++ {
		start, end := r.offsets[t], len(r.text)
		if t+1 < len(r.offsets) {
			end = r.offsets[t+1]
		}
		for _, s := range r.spans {
			if start < s.End && end > s.Start {
				e.Mask[t] = true
				break
			}
		}
	}
	return e
}

// chatRows renders and tokenizes every conversation of ds (the first
// cfg.limit when set) with tmpl or the model's template.
func chatRows(ctx context.Context, ds *data.Dataset, tmpl *chat.Template, model *llama.Model, cfg Config) ([]chatRow, error) {
	if ds == nil {
		return nil, fmt.Errorf("lora: FromChat needs a conversation dataset (data.Load of rows with \"messages\" or \"conversations\")")
	}
	tok := model.Tokenizer()
	if tok == nil {
		return nil, errNoTokenizer
	}
	if ds.ChatFormat() == "" {
		return nil, fmt.Errorf("lora: dataset %s holds no conversations (rows with \"messages\", OpenAI's form, or \"conversations\", ShareGPT's; its columns are %v): train on it with lora.FromFormat and a format file", ds.Name(), ds.Columns())
	}
	t, err := templateOf(model, tmpl)
	if err != nil {
		return nil, err
	}
	if cfg.limit > 0 {
		ds = ds.Head(cfg.limit)
	}
	convs, err := ds.Conversations()
	if err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	if err := ds.CheckTrainable(); err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	opts := model.ChatOptions()
	rows := make([]chatRow, len(convs))
	for i, conv := range convs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		text, spans, err := t.RenderSpans(conv, opts)
		if err != nil {
			return nil, fmt.Errorf("lora: dataset %s %s: %w", ds.Name(), ds.RowName(i), err)
		}
		if cfg.LastTurnOnly && len(spans) > 1 {
			spans = spans[len(spans)-1:]
		}
		ids, offsets := tok.EncodeOffsets(text, false)
		rows[i] = chatRow{text: text, ids: ids, offsets: offsets, spans: spans}
	}
	return rows, nil
}

// templateOf returns tmpl, or the model's chat template.
func templateOf(model *llama.Model, tmpl *chat.Template) (*chat.Template, error) {
	if tmpl != nil {
		return tmpl, nil
	}
	t, err := model.Template()
	if err != nil {
		return nil, fmt.Errorf("lora: %w; or pass one to lora.FromChat(ds, t)", err)
	}
	return t, nil
}
