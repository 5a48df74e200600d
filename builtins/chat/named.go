package chat

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// named are golora's own templates for models that ship none, each after
// its family's published format.
var named = map[string]string{
	// ChatML: each turn between <|im_start|>ROLE and <|im_end|>.
	"chatml": `{%- for message in messages %}
{{- '<|im_start|>' ~ message['role'] ~ '\n' ~ message['content'] ~ '<|im_end|>\n' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|im_start|>assistant\n' }}
{%- endif %}`,

	// Llama 3: bos_token, then each turn as a header and its trimmed text,
	// ended by <|eot_id|>.
	"llama3": `{{- bos_token }}
{%- for message in messages %}
{{- '<|start_header_id|>' ~ message['role'] ~ '<|end_header_id|>\n\n' ~ message['content'] | trim ~ '<|eot_id|>' }}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}`,

	// Alpaca: a system paragraph (Alpaca's own when the conversation has
	// none), "### Instruction:" for the user and "### Response:" for the
	// assistant, whose turn ends with eos_token.
	"alpaca": `{%- if messages and messages[0]['role'] == 'system' %}
{{- messages[0]['content'] ~ '\n\n' }}
{%- set turns = messages[1:] %}
{%- else %}
{{- 'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' }}
{%- set turns = messages %}
{%- endif %}
{%- for message in turns %}
{%- if message['role'] == 'user' %}
{{- '### Instruction:\n' ~ message['content'] ~ '\n\n' }}
{%- elif message['role'] == 'assistant' %}
{{- '### Response:\n' ~ message['content'] ~ eos_token ~ '\n\n' }}
{%- else %}
{{- raise_exception('the alpaca template has no role ' ~ message['role'] ~ ' (only a first system message, user and assistant)') }}
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
{{- '### Response:\n' }}
{%- endif %}`,
}

// Names returns the names of the built-in templates, sorted.
func Names() []string {
	return slices.Sorted(maps.Keys(named))
}

// Named returns the built-in template of that name: "chatml", "llama3" or
// "alpaca".
func Named(name string) (*Template, error) {
	source, ok := named[name]
	if !ok {
		return nil, fmt.Errorf("chat: no built-in template %q (there are %s)", name, strings.Join(Names(), ", "))
	}
	t, err := Parse(source)
	if err != nil {
		return nil, fmt.Errorf("chat: built-in template %s: %w", name, err)
	}
	return t, nil
}
