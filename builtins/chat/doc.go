// Package chat renders chat templates: the Jinja text a model ships
// (chat_template in a Hugging Face folder's tokenizer_config.json,
// tokenizer.chat_template in a GGUF file) that turns a conversation into
// the text the model reads. Render gives the same bytes as Hugging Face
// transformers' apply_chat_template(..., tokenize=False), and RenderSpans
// tells which byte ranges of that text are the assistant's turns, the
// tokens a LoRA loss trains on: the output of the template's
// {% generation %} blocks where it has them (as transformers'
// return_assistant_tokens_mask), otherwise what each assistant message
// adds to the rendering of the turns before it. Named gives golora's own
// templates for models that ship none (chatml, llama3, alpaca).
//
// # The Jinja engine
//
// Templates run on github.com/ardanlabs/jinja (v1.8.0), a Jinja engine
// written for chat templates: trim_blocks and lstrip_blocks as
// transformers sets them, loop controls, namespace, raise_exception,
// strftime_now, Python's string methods, and dictionaries that keep their
// key order. Both candidates were tried on the same 80 renderings (eight
// real templates: Llama 3.1, Mistral Nemo, Qwen2.5, Gemma 2, Phi-3.5, and
// TRL's Llama 3, Qwen2.5 and Gemma 3 training templates; five
// conversations; with and without the generation prompt), against
// transformers 5.24:
//
//   - ardanlabs/jinja: 78 byte-equal. The two others were Llama 3.1 with
//     tools, whose tojson(indent=4) goes through Go maps and sorts keys.
//     Later tests found that it keeps the newline that ends a template's
//     source and its "\r\n" line endings (Jinja drops the one and writes
//     the others as "\n"), and that map('string') leaves values as they
//     are.
//   - github.com/nikolalohinski/gonja/v2 (v2.9.1): 64. Its values are Go
//     maps, so tojson loses key order, and it writes compact separators
//     (Qwen2.5 and its training variant with tools, Llama 3.1 with tools:
//     6); Mistral Nemo with tools renders without its [AVAILABLE_TOOLS]
//     (2); TRL's Gemma 3 training template does not parse (8).
//
// What the engine lacks golora adds around it, without changing it: the
// source is rewritten before compiling (rewrite.go) so that
// {% generation %} becomes a call block of a golora function (as
// transformers' extension compiles it) and "x | tojson(...)" a call of
// golora's json.dumps (json.go), which keeps key order at any indent and
// writes floats as Python does; line endings become "\n" and the final
// one is dropped; block tags are checked first, so that an unclosed block
// names its line and column. With these, all 142 templates that TRL 1.16
// and llama.cpp (in llama-cpp-python 0.3.36) ship render byte-equal to
// transformers on the tests' conversations wherever transformers renders
// them, but one (Markup escaping, below), and every {% generation %}
// template's spans equal transformers' ranges.
//
// Go maps have no order but Python dicts do, and templates write tool
// schemas and arguments with tojson: DecodeMessages and DecodeTools keep
// the order of the JSON they read (see KeyOrder); other maps are written
// with sorted keys.
//
// Known differences from transformers' Jinja: None prints as "" (Jinja
// prints "None"), an attribute of an undefined variable is undefined
// rather than an error, an unknown filter fails when rendering rather than
// when parsing, map with a filter name does not apply it, there is no
// Markup (so "'...'|safe + text" does not HTML-escape text), and some
// templates that transformers' sandbox or Python's types refuse (an
// attribute of a string, list.append) render instead of failing.
package chat
