package chat

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/ardanlabs/jinja"
)

// Message is one turn of a conversation: "role" and "content", and any
// other keys a template reads (tool_calls, name, tool_call_id, ...). Keys
// whose value is nil are dropped before rendering, as transformers does.
type Message = map[string]any

// Options are the template variables besides messages.
type Options struct {
	// AddGenerationPrompt is add_generation_prompt: end with the header of
	// an assistant turn for the model to write.
	AddGenerationPrompt bool
	// Tools is the variable tools (JSON schemas of functions); nil passes
	// None, as transformers does without tools.
	Tools []map[string]any
	// BOSToken and EOSToken are bos_token and eos_token.
	BOSToken, EOSToken string
	// Vars are any other template variables (date_string,
	// enable_thinking, documents, ...).
	Vars map[string]any
}

// Template is a compiled chat template.
type Template struct {
	source   string
	compiled *jinja.Template
}

// Parse compiles a chat template's Jinja source, as transformers compiles
// it: trim_blocks and lstrip_blocks on, loop controls, and the
// {% generation %} tag.
func Parse(source string) (*Template, error) {
	rewritten, err := rewrite(source)
	if err != nil {
		return nil, err
	}
	// Jinja writes every line ending of the source as "\n" and drops one
	// at its end (keep_trailing_newline=False); the engine does neither.
	rewritten = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(rewritten)
	rewritten = strings.TrimSuffix(rewritten, "\n")
	compiled, err := compile(rewritten)
	if err != nil {
		return nil, engineError(source, err)
	}
	return &Template{source: source, compiled: compiled}, nil
}

// lineRE finds the line number in the engine's syntax errors.
var lineRE = regexp.MustCompile(`^jinja (?:scan|parse): line (\d+): `)

// endRE finds the engine's message for a tag that ends too early.
var endRE = regexp.MustCompile(`unexpected token "" \(kind=\d+\)`)

// engineError turns a compile error of the engine into one that names the
// template's line and, when that line has one tag only, its column.
func engineError(source string, err error) error {
	msg := endRE.ReplaceAllString(err.Error(), "the tag ends where more is needed")
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return fmt.Errorf("chat template: %s", strings.TrimPrefix(strings.TrimPrefix(msg, "jinja parse: "), "jinja scan: "))
	}
	line, _ := strconv.Atoi(m[1])
	msg = msg[len(m[0]):]
	tags, _ := scanTags(source)
	col := 0
	for _, t := range tags {
		if t.line == line {
			if col != 0 {
				col = 0
				break
			}
			col = t.col
		}
	}
	if col == 0 {
		return fmt.Errorf("chat template line %d: %s", line, msg)
	}
	return &syntaxError{line, col, msg}
}

// Source returns the template's Jinja text, as given to Parse.
func (t *Template) Source() string { return t.source }

// HasGeneration reports whether the template marks the assistant's turns
// with {% generation %} blocks, as transformers decides it.
func (t *Template) HasGeneration() bool { return generationRE.MatchString(t.source) }

// Render renders a conversation as transformers' apply_chat_template(...,
// tokenize=False) does.
func (t *Template) Render(messages []Message, opts Options) (string, error) {
	return t.render(messages, opts, false)
}

// render renders; with marks, the output of each {% generation %} block
// is enclosed in markStart and markEnd.
func (t *Template) render(messages []Message, opts Options, marks bool) (string, error) {
	data, err := variables(messages, opts)
	if err != nil {
		return "", err
	}
	data[tojsonFunc] = jinja.NewCallable(tojsonFunc, tojson)
	data[generationFunc] = jinja.NewCallable(generationFunc, func(_ []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
		caller, ok := kwargs["caller"]
		if !ok || !caller.IsCallable() {
			return jinja.Undefined(), fmt.Errorf("{%% generation %%} called without a body")
		}
		body, err := caller.AsCallable().Fn(nil, nil)
		if err != nil {
			return jinja.Undefined(), err
		}
		if !marks {
			return body, nil
		}
		return jinja.NewString(markStart + body.AsString() + markEnd), nil
	})
	out, err := execute(t.compiled, data)
	if err != nil {
		return "", fmt.Errorf("chat template: %w", err)
	}
	return out, nil
}

// variables returns the template variables of a rendering.
func variables(messages []Message, opts Options) (map[string]jinja.Value, error) {
	data := map[string]jinja.Value{"documents": jinja.None()}
	for k, v := range opts.Vars {
		switch k {
		case "messages", "tools", "add_generation_prompt", "bos_token", "eos_token", tojsonFunc, generationFunc:
			return nil, fmt.Errorf("chat template: Options.Vars sets %s, which Render sets itself", k)
		}
		value, err := toValue(v, false)
		if err != nil {
			return nil, fmt.Errorf("chat template variable %s: %w", k, err)
		}
		data[k] = value
	}
	list := make([]jinja.Value, len(messages))
	for i, m := range messages {
		v, err := toValue(m, true)
		if err != nil {
			return nil, fmt.Errorf("chat message %d: %w", i, err)
		}
		list[i] = v
	}
	data["messages"] = jinja.NewList(list)
	data["tools"] = jinja.None()
	if opts.Tools != nil {
		tools, err := toValue(opts.Tools, false)
		if err != nil {
			return nil, fmt.Errorf("chat tools: %w", err)
		}
		data["tools"] = tools
	}
	data["add_generation_prompt"] = jinja.NewBool(opts.AddGenerationPrompt)
	data["bos_token"] = jinja.NewString(opts.BOSToken)
	data["eos_token"] = jinja.NewString(opts.EOSToken)
	return data, nil
}

// compile compiles with the engine, turning a panic of it into an error.
func compile(source string) (t *jinja.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("jinja parse: the template engine failed: %v", r)
		}
	}()
	return jinja.Compile(source)
}

// execute renders with the engine, turning a panic of it into an error.
func execute(t *jinja.Template, data map[string]jinja.Value) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the template engine failed: %v", r)
		}
	}()
	return t.RenderValues(data)
}
