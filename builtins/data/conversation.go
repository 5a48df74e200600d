package data

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The answers of ChatFormat.
const (
	ChatMessages = "messages" // OpenAI: {"messages": [{"role": …, "content": …}, …]}
	ChatShareGPT = "sharegpt" // ShareGPT: {"conversations": [{"from": …, "value": …}, …]}
)

// A chatForm is one of the two ways a row holds a conversation.
type chatForm struct {
	name   string // ChatFormat's answer
	key    string // the row's key that holds the turns
	title  string // the form in summaries and errors
	roleIn string // the turn's key that holds its role
	textIn string // the turn's key that holds its text
	roles  map[string]string
	accept string // the accepted roles, for errors
	sample string // a turn, for errors
}

// chatForms are the conversation forms, in the order detection tries them.
var chatForms = [...]*chatForm{
	{
		name: ChatMessages, key: "messages", title: "OpenAI messages",
		roleIn: "role", textIn: "content",
		roles:  map[string]string{"system": "system", "user": "user", "assistant": "assistant", "tool": "tool"},
		accept: "system, user, assistant, tool",
		sample: `{"role": "user", "content": "…"}`,
	},
	{
		name: ChatShareGPT, key: "conversations", title: "ShareGPT",
		roleIn: "from", textIn: "value",
		roles: map[string]string{
			"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
			"function_call": "assistant", "observation": "tool", "tool": "tool", "function": "tool",
		},
		accept: "system, human, gpt, user, assistant, function_call, observation, tool, function",
		sample: `{"from": "human", "value": "…"}`,
	},
}

// detectChat finds the first row that holds a list under a form's key, and
// makes the dataset a conversation dataset of that form.
func (ds *Dataset) detectChat() {
	if !slices.ContainsFunc(chatForms[:], func(f *chatForm) bool { return slices.Contains(ds.columns, f.key) }) {
		return
	}
	for i := range ds.rows {
		for _, f := range chatForms {
			if v, ok := ds.member(i, f.key); ok && v[0] == '[' {
				ds.chat, ds.chatRow = f, i
				return
			}
		}
	}
}

// member returns the text of the value of row i's key, if it has one.
func (ds *Dataset) member(i int, key string) (value []byte, ok bool) {
	r := ds.rows[i]
	objectMembers(ds.text[r.start:r.end], func(raw, v []byte) {
		if !ok && unquote(raw) == key {
			value, ok = v, true
		}
	})
	return value, ok
}

// ChatFormat returns ChatMessages when the dataset's rows hold OpenAI
// messages, ChatShareGPT when they hold ShareGPT conversations, and "" for
// a dataset of other rows. The first row that holds a list under
// "messages" or "conversations" decides; see the package documentation.
func (ds *Dataset) ChatFormat() string {
	if ds.chat == nil {
		return ""
	}
	return ds.chat.name
}

// Conversations returns the turns of every row, as Conversation does, or
// the first row's error.
func (ds *Dataset) Conversations() ([][]map[string]any, error) {
	all := make([][]map[string]any, len(ds.rows))
	for i := range ds.rows {
		turns, err := ds.Conversation(i)
		if err != nil {
			return nil, err
		}
		all[i] = turns
	}
	return all, nil
}

// Conversation returns the turns of row i (from 0) in OpenAI form: each a
// map with a "role" (system, user, assistant or tool) and a string
// "content", and the turn's other keys; keys whose value is null are
// dropped, and each object records its key order under KeyOrder. Numbers
// decode as json.Number. See the package documentation for ShareGPT's
// roles and the errors.
func (ds *Dataset) Conversation(i int) ([]map[string]any, error) {
	if i < 0 || i >= len(ds.rows) {
		return nil, fmt.Errorf("data: conversation %d out of range: %s has %d rows", i, ds.describe(), len(ds.rows))
	}
	f := ds.chat
	if f == nil {
		return nil, fmt.Errorf(`data: %s is not a conversation dataset: no row holds a list of turns under "messages" (OpenAI) or "conversations" (ShareGPT)`, ds.title())
	}
	list, ok := ds.member(i, f.key)
	if !ok {
		for _, other := range chatForms {
			if _, has := ds.member(i, other.key); has && other != f {
				return nil, ds.rowError(i, "%s under %q, but the dataset holds %s (as %s does): a dataset holds one form; convert its rows to one",
					other.title, other.key, f.title, ds.RowName(ds.chatRow))
			}
		}
		return nil, ds.rowError(i, "no %q key: every row of a conversation dataset holds its turns there, as a list such as [%s]", f.key, f.sample)
	}
	if list[0] != '[' {
		return nil, ds.rowError(i, "%q is %s, not a list of turns such as [%s]", f.key, kind(list[0]), f.sample)
	}
	var turns []map[string]any
	var bad error
	elements(list, 0, func(start, end int) {
		if bad != nil {
			return
		}
		k := len(turns)
		if list[start] != '{' {
			bad = ds.turnError(i, k, "the turn is %s, not an object: a turn is an object such as %s", kind(list[start]), f.sample)
			return
		}
		var turn map[string]any
		turn, bad = ds.turn(i, k, f, decodeOrdered(list[start:end]).(map[string]any))
		turns = append(turns, turn)
	})
	if bad != nil {
		return nil, bad
	}
	if len(turns) == 0 {
		return nil, ds.rowError(i, "no turns: %q is an empty list; give it turns such as [%s]", f.key, f.sample)
	}
	if err := ds.checkSystem(i, turns); err != nil {
		return nil, err
	}
	return turns, nil
}

// turn checks turn k of row i, decoded as m, and rewrites it in OpenAI
// form.
func (ds *Dataset) turn(i, k int, f *chatForm, m map[string]any) (map[string]any, error) {
	from, ok := m[f.roleIn]
	if !ok {
		return nil, ds.turnError(i, k, "no %q: a turn is an object such as %s", f.roleIn, f.sample)
	}
	name, isString := from.(string)
	if !isString {
		return nil, ds.turnError(i, k, "%q is %s, not a string: it is one of %s", f.roleIn, jsonKind(from), f.accept)
	}
	role, known := f.roles[name]
	if !known {
		return nil, ds.turnError(i, k, "%q is %q, not one of %s", f.roleIn, name, f.accept)
	}
	content, err := turnContent(f, role, m)
	if err != nil {
		return nil, ds.turnError(i, k, "%v", err)
	}
	order := m[KeyOrder].([]string)
	if f.roleIn != "role" {
		delete(m, f.roleIn)
		delete(m, f.textIn)
		renamed := make([]string, 0, len(order))
		for _, key := range order {
			switch key {
			case f.roleIn:
				key = "role"
			case f.textIn:
				key = "content"
			}
			if !slices.Contains(renamed, key) {
				renamed = append(renamed, key)
			}
		}
		order = renamed
	}
	if !slices.Contains(order, "content") {
		order = append(order, "content")
	}
	m["role"], m["content"] = role, content
	for key, v := range m {
		if v == nil {
			delete(m, key)
		}
	}
	m[KeyOrder] = slices.DeleteFunc(order, func(key string) bool {
		_, kept := m[key]
		return !kept
	})
	return m, nil
}

// turnContent returns the text of the turn m, whose role is role.
func turnContent(f *chatForm, role string, m map[string]any) (string, error) {
	v, ok := m[f.textIn]
	if v == nil && role == "assistant" && f.textIn == "content" && m["tool_calls"] != nil {
		return "", nil // an assistant's turn that only calls tools
	}
	switch v := v.(type) {
	case string:
		return v, nil
	case []any:
		if f.textIn == "content" {
			return textParts(v)
		}
	}
	if !ok {
		return "", fmt.Errorf("no %q: give the turn's text as a string", f.textIn)
	}
	if f.textIn == "content" {
		return "", fmt.Errorf(`"content" is %s, not a string or a list of text parts such as [{"type": "text", "text": "…"}]`, jsonKind(v))
	}
	return "", fmt.Errorf("%q is %s, not a string: give the turn's text as a string", f.textIn, jsonKind(v))
}

// textParts joins the text of an OpenAI content list.
func textParts(parts []any) (string, error) {
	var b strings.Builder
	for j, p := range parts {
		part, ok := p.(map[string]any)
		if !ok {
			return "", fmt.Errorf(`content part %d is %s, not an object such as {"type": "text", "text": "…"}`, j, jsonKind(p))
		}
		if typ, _ := part["type"].(string); typ != "text" {
			return "", fmt.Errorf(`content part %d has type %s, not "text": only text can be trained on; drop the part or give its text as {"type": "text", "text": "…"}`, j, describeValue(part["type"]))
		}
		text, ok := part["text"].(string)
		if !ok {
			return "", fmt.Errorf(`content part %d's "text" is %s, not a string`, j, jsonKind(part["text"]))
		}
		b.WriteString(text)
	}
	return b.String(), nil
}

// checkSystem checks that row i has at most one system message, its first
// turn.
func (ds *Dataset) checkSystem(i int, turns []map[string]any) error {
	first := -1
	for k, t := range turns {
		if t["role"] != "system" {
			continue
		}
		if first >= 0 {
			return ds.turnError(i, k, "a second system message (the first is turn %d): a conversation has one at most; join them into the first", first)
		}
		if k > 0 {
			return ds.turnError(i, k, "a system message after turn 0: a system message must be the first turn; move it there")
		}
		first = k
	}
	return nil
}

// RowName names row i as messages do: "row 3 (line 4)", or "row 3" for a
// dataset made in memory.
func (ds *Dataset) RowName(i int) string {
	if line := ds.Line(i); line > 0 {
		return fmt.Sprintf("row %d (line %d)", i, line)
	}
	return fmt.Sprintf("row %d", i)
}

// rowError is an error about row i.
func (ds *Dataset) rowError(i int, format string, args ...any) error {
	return fmt.Errorf("data: %s %s: %s", ds.title(), ds.RowName(i), fmt.Sprintf(format, args...))
}

// turnError is an error about turn k of row i.
func (ds *Dataset) turnError(i, k int, format string, args ...any) error {
	return fmt.Errorf("data: %s %s turn %d: %s", ds.title(), ds.RowName(i), k, fmt.Sprintf(format, args...))
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}

// describeValue shows a decoded value in an error: a string quoted,
// anything else by its kind.
func describeValue(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return jsonKind(v)
}
