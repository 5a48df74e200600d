package chat

import (
	"fmt"
	"strings"
	"unicode"
)

// Span is a byte range [Start, End) of a rendered text that is one
// assistant turn's trained part; Message is the index of that message in
// the conversation (-1 where RenderSpans cannot tell which).
type Span struct{ Start, End, Message int }

// RenderSpans renders like Render and returns the spans of the
// assistant's turns, the text a LoRA loss trains on.
//
// A template with {% generation %} blocks gives exactly what those blocks
// output, as transformers' return_assistant_tokens_mask marks them. Any
// other template's spans come from rendering prefixes of the conversation:
// for assistant message i, the rendering of messages[:i] with the
// generation prompt must begin the rendering of messages[:i+1] without it,
// and that one the full rendering; the span is what the second adds, less
// trailing whitespace (the end-of-turn token stays inside).
func (t *Template) RenderSpans(messages []Message, opts Options) (text string, spans []Span, err error) {
	if t.HasGeneration() {
		return t.generationSpans(messages, opts)
	}
	text, err = t.Render(messages, opts)
	if err != nil {
		return "", nil, err
	}
	prefixOpts, uptoOpts := opts, opts
	prefixOpts.AddGenerationPrompt = true
	uptoOpts.AddGenerationPrompt = false
	for i, m := range messages {
		if m["role"] != "assistant" {
			continue
		}
		prefix, err := t.Render(messages[:i], prefixOpts)
		if err != nil {
			return "", nil, fmt.Errorf("chat spans: rendering messages before assistant message %d: %w", i, err)
		}
		upto, err := t.Render(messages[:i+1], uptoOpts)
		if err != nil {
			return "", nil, fmt.Errorf("chat spans: rendering messages up to assistant message %d: %w", i, err)
		}
		if !strings.HasPrefix(upto, prefix) || !strings.HasPrefix(text, upto) {
			return "", nil, fmt.Errorf("chat spans: the template renders the turns before assistant message %d differently depending on what follows, so its span cannot be found from prefixes; use a template that marks the assistant's turns with {%% generation %%} ... {%% endgeneration %%}", i)
		}
		span := strings.TrimRightFunc(upto[len(prefix):], unicode.IsSpace)
		spans = append(spans, Span{Start: len(prefix), End: len(prefix) + len(span), Message: i})
	}
	return text, spans, nil
}

// generationSpans renders with the output of {% generation %} blocks
// marked, and returns the text without the marks and the blocks' ranges,
// in the order the blocks ended (as transformers records them).
func (t *Template) generationSpans(messages []Message, opts Options) (string, []Span, error) {
	marked, err := t.render(messages, opts, true)
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	var open []int
	var spans []Span
	for i := 0; i < len(marked); {
		switch {
		case strings.HasPrefix(marked[i:], markStart):
			open = append(open, b.Len())
			i += len(markStart)
		case strings.HasPrefix(marked[i:], markEnd):
			if len(open) == 0 {
				return "", nil, fmt.Errorf("chat spans: the template's output of {%% generation %%} blocks was cut apart (a filter on it?)")
			}
			spans = append(spans, Span{Start: open[len(open)-1], End: b.Len(), Message: -1})
			open = open[:len(open)-1]
			i += len(markEnd)
		default:
			b.WriteByte(marked[i])
			i++
		}
	}
	if len(open) > 0 {
		return "", nil, fmt.Errorf("chat spans: the template's output of {%% generation %%} blocks was cut apart (a filter on it?)")
	}
	text := b.String()
	assignMessages(text, spans, messages)
	return text, spans, nil
}

// assignMessages tells which assistant message each generation span
// belongs to: in order when there are as many spans as assistant
// messages, otherwise the next assistant message whose content the span
// holds.
func assignMessages(text string, spans []Span, messages []Message) {
	var assistants []int
	for i, m := range messages {
		if m["role"] == "assistant" {
			assistants = append(assistants, i)
		}
	}
	if len(assistants) == len(spans) {
		for k := range spans {
			spans[k].Message = assistants[k]
		}
		return
	}
	next := 0
	for k := range spans {
		for j := next; j < len(assistants); j++ {
			content, _ := messages[assistants[j]]["content"].(string)
			if strings.Contains(text[spans[k].Start:spans[k].End], strings.TrimSpace(content)) {
				spans[k].Message = assistants[j]
				next = j + 1
				break
			}
		}
	}
}
