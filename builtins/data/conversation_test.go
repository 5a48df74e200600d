package data

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string) *Dataset {
	t.Helper()
	ds, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// withoutOrder returns a copy of v with every KeyOrder entry removed, so
// that turns can be compared with maps written by hand.
func withoutOrder(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, x := range v {
			if k != KeyOrder {
				m[k] = withoutOrder(x)
			}
		}
		return m
	case []any:
		list := make([]any, len(v))
		for i, x := range v {
			list[i] = withoutOrder(x)
		}
		return list
	}
	return v
}

// encodeOrdered writes v as compact JSON with each object's keys in the
// order its KeyOrder gives, as a chat template's tojson would.
func encodeOrdered(t *testing.T, b *bytes.Buffer, v any) {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		order, ok := v[KeyOrder].([]string)
		if !ok || len(order) != len(v)-1 {
			t.Fatalf("map %v: KeyOrder %q does not list its %d keys", v, order, len(v)-1)
		}
		b.WriteByte('{')
		for i, k := range order {
			if i > 0 {
				b.WriteByte(',')
			}
			key, _ := json.Marshal(k)
			b.Write(key)
			b.WriteByte(':')
			encodeOrdered(t, b, v[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeOrdered(t, b, x)
		}
		b.WriteByte(']')
	default:
		s, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(s)
	}
}

func TestChatFormat(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"messages", `{"messages": [{"role": "user", "content": "hi"}]}`, ChatMessages},
		{"sharegpt", `{"conversations": [{"from": "human", "value": "hi"}]}`, ChatShareGPT},
		{"array file", "[\n{\"id\": 1, \"messages\": []}\n]", ChatMessages},
		{"plain", `{"instruction": "a", "output": "b"}`, ""},
		{"messages as text", `{"messages": "three new mails"}`, ""},
		{"conversations not first", "{\"text\": \"a\"}\n{\"conversations\": \"no\"}\n{\"conversations\": [], \"messages\": 1}", ChatShareGPT},
		{"escaped key", `{"m\u0065ssages": [{"role": "user", "content": "hi"}]}`, ChatMessages},
		{"first form wins", "{\"conversations\": []}\n{\"messages\": []}", ChatShareGPT},
	} {
		if got := mustParse(t, c.text).ChatFormat(); got != c.want {
			t.Errorf("%s: ChatFormat = %q, want %q", c.name, got, c.want)
		}
	}
	ds := mustParse(t, "{\"messages\": []}\n{\"messages\": []}\n{\"messages\": []}")
	train, eval, err := ds.Split(0.4, 1)
	if err != nil {
		t.Fatal(err)
	}
	if train.ChatFormat() != ChatMessages || eval.ChatFormat() != ChatMessages || ds.Head(0).ChatFormat() != "" {
		t.Errorf("parts: %q %q %q, want messages, messages and \"\" for no rows", train.ChatFormat(), eval.ChatFormat(), ds.Head(0).ChatFormat())
	}
}

// toolRow is an OpenAI conversation with tool calls, content parts and
// null keys.
const toolRow = `{"messages": [` +
	`{"role": "system", "content": "Be brief.", "name": null},` +
	`{"role": "user", "content": [{"type": "text", "text": "Hello, "}, {"type": "text", "text": "world"}]},` +
	`{"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": {"word": "hi", "limit": 2}}}]},` +
	`{"tool_call_id": "c1", "role": "tool", "content": "found", "extra": {"z": 1, "a": 2.5, "n": null}},` +
	`{"role": "assistant", "content": "Done.", "weight": 1}]}`

func TestConversationMessages(t *testing.T) {
	ds := mustParse(t, toolRow)
	turns, err := ds.Conversation(0)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{
		map[string]any{"role": "system", "content": "Be brief."},
		map[string]any{"role": "user", "content": "Hello, world"},
		map[string]any{"role": "assistant", "content": "", "tool_calls": []any{map[string]any{
			"id": "c1", "type": "function",
			"function": map[string]any{"name": "lookup", "arguments": map[string]any{"word": "hi", "limit": json.Number("2")}},
		}}},
		map[string]any{"role": "tool", "tool_call_id": "c1", "content": "found", "extra": map[string]any{"z": json.Number("1"), "a": json.Number("2.5"), "n": nil}},
		map[string]any{"role": "assistant", "content": "Done.", "weight": json.Number("1")},
	}
	got := make([]any, len(turns))
	for i, turn := range turns {
		got[i] = withoutOrder(turn)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("turns:\n got %#v\nwant %#v", got, want)
	}
	for i, enc := range []string{
		`{"role":"system","content":"Be brief."}`,
		`{"role":"user","content":"Hello, world"}`,
		`{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":{"word":"hi","limit":2}}}]}`,
		`{"tool_call_id":"c1","role":"tool","content":"found","extra":{"z":1,"a":2.5,"n":null}}`,
		`{"role":"assistant","content":"Done.","weight":1}`,
	} {
		var b bytes.Buffer
		encodeOrdered(t, &b, turns[i])
		if b.String() != enc {
			t.Errorf("turn %d in its key order:\n got %s\nwant %s", i, b.String(), enc)
		}
	}
	all, err := ds.Conversations()
	if err != nil || len(all) != 1 || !reflect.DeepEqual(all[0], turns) {
		t.Errorf("Conversations = %v, %v; want the one conversation", all, err)
	}
	if err := CheckTrainable(turns); err != nil {
		t.Errorf("CheckTrainable: %v", err)
	}
}

func TestConversationShareGPT(t *testing.T) {
	for from, role := range map[string]string{
		"system": "system", "human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
		"function_call": "assistant", "observation": "tool", "tool": "tool", "function": "tool",
	} {
		ds := mustParse(t, `{"conversations": [{"from": "`+from+`", "value": "{\"a\": 1}", "weight": 0, "note": null}]}`)
		turns, err := ds.Conversation(0)
		if err != nil {
			t.Errorf("from %q: %v", from, err)
			continue
		}
		want := map[string]any{"role": role, "content": `{"a": 1}`, "weight": json.Number("0")}
		if got := withoutOrder(turns[0]); !reflect.DeepEqual(got, want) {
			t.Errorf("from %q: %#v, want %#v", from, got, want)
		}
	}
	ds := mustParse(t, `{"conversations": [{"value": "hi", "id": 7, "from": "human"}, {"from": "gpt", "value": "hello"}]}`)
	turns, err := ds.Conversation(0)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	encodeOrdered(t, &b, []any{turns[0], turns[1]})
	if want := `[{"content":"hi","id":7,"role":"user"},{"role":"assistant","content":"hello"}]`; b.String() != want {
		t.Errorf("turns in their key order:\n got %s\nwant %s", b.String(), want)
	}
}

func TestConversationErrors(t *testing.T) {
	const (
		user = `{"role": "user", "content": "hi"}`
		gpt  = `{"role": "assistant", "content": "hello"}`
		sys  = `{"role": "system", "content": "Be brief."}`
	)
	msgs := func(turns ...string) string { return `{"messages": [` + strings.Join(turns, ", ") + `]}` }
	for _, c := range []struct{ text, want string }{
		{msgs(), `data: dataset row 0 (line 1): no turns: "messages" is an empty list`},
		{msgs(user) + "\n" + `{"text": "x"}`, `data: dataset row 1 (line 2): no "messages" key: every row of a conversation dataset holds its turns there`},
		{msgs(user) + "\n\n" + `{"messages": {"role": "user"}}`, `data: dataset row 1 (line 3): "messages" is an object, not a list of turns such as [{"role": "user", "content": "…"}]`},
		{"[\n" + msgs(user) + ",\n" + `{"conversations": [{"from": "human", "value": "hi"}]}` + "\n]", `data: dataset row 1 (line 3): ShareGPT under "conversations", but the dataset holds OpenAI messages (as row 0 (line 2) does): a dataset holds one form`},
		{`{"conversations": [{"from": "human", "value": "hi"}]}` + "\n" + msgs(user), `row 1 (line 2): OpenAI messages under "messages", but the dataset holds ShareGPT (as row 0 (line 1) does)`},
		{msgs(user, `"hello"`), `data: dataset row 0 (line 1) turn 1: the turn is a string, not an object: a turn is an object such as {"role": "user", "content": "…"}`},
		{msgs(`[]`), `row 0 (line 1) turn 0: the turn is an array, not an object`},
		{msgs(`{"content": "hi"}`), `turn 0: no "role": a turn is an object such as`},
		{msgs(`{"role": 1, "content": "hi"}`), `turn 0: "role" is a number, not a string: it is one of system, user, assistant, tool`},
		{msgs(user, `{"role": "bot", "content": "x"}`), `row 0 (line 1) turn 1: "role" is "bot", not one of system, user, assistant, tool`},
		{`{"conversations": [{"from": "bot", "value": "x"}]}`, `row 0 (line 1) turn 0: "from" is "bot", not one of system, human, gpt, user, assistant, function_call, observation, tool, function`},
		{`{"conversations": [{"value": "x"}]}`, `turn 0: no "from": a turn is an object such as {"from": "human", "value": "…"}`},
		{msgs(user, `{"role": "assistant", "content": 3}`), `turn 1: "content" is a number, not a string or a list of text parts`},
		{msgs(`{"role": "user", "content": {"text": "hi"}}`), `turn 0: "content" is an object, not a string`},
		{msgs(`{"role": "user", "content": true}`), `turn 0: "content" is a boolean, not a string`},
		{msgs(`{"role": "user", "content": null}`), `turn 0: "content" is null, not a string`},
		{msgs(`{"role": "user"}`), `turn 0: no "content": give the turn's text as a string`},
		{msgs(`{"role": "assistant", "content": null, "tool_calls": null}`), `turn 0: "content" is null`},
		{`{"conversations": [{"from": "human", "value": ["hi"]}]}`, `turn 0: "value" is an array, not a string`},
		{`{"conversations": [{"from": "human", "value": null}]}`, `turn 0: "value" is null, not a string`},
		{msgs(`{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}]}`), `turn 0: content part 1 has type "image_url", not "text": only text can be trained on`},
		{msgs(`{"role": "user", "content": [{"text": "a"}]}`), `turn 0: content part 0 has type null, not "text"`},
		{msgs(`{"role": "user", "content": ["a"]}`), `turn 0: content part 0 is a string, not an object`},
		{msgs(`{"role": "user", "content": [{"type": "text", "text": 5}]}`), `turn 0: content part 0's "text" is a number, not a string`},
		{msgs(sys, user, sys, gpt), `row 0 (line 1) turn 2: a second system message (the first is turn 0): a conversation has one at most`},
		{msgs(user, sys, gpt), `row 0 (line 1) turn 1: a system message after turn 0: a system message must be the first turn`},
	} {
		ds := mustParse(t, c.text)
		_, err := ds.Conversations()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s\n got %v\nwant …%s…", c.text, err, c.want)
		}
	}

	path := filepath.Join(t.TempDir(), "chat.jsonl")
	if err := os.WriteFile(path, []byte(msgs(user, gpt)+"\n"+msgs(gpt, sys)+"\n"+msgs()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Conversation(0); err != nil {
		t.Errorf("row 0: %v", err)
	}
	_, err = ds.Conversations()
	if want := "data: dataset " + path + " row 1 (line 2) turn 1: a system message after turn 0"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Conversations: %v, want the first error, %s…", err, want)
	}
	for _, i := range []int{-1, 3} {
		if _, err := ds.Conversation(i); err == nil || !strings.Contains(err.Error(), "out of range: "+path+" has 3 rows") {
			t.Errorf("Conversation(%d): %v", i, err)
		}
	}
	rows, err := FromRows([]map[string]any{{"messages": []any{}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rows.Conversation(0); err == nil || !strings.HasPrefix(err.Error(), "data: dataset row 0: no turns") {
		t.Errorf("a row without a line: %v", err)
	}
	if _, err := mustParse(t, `{"text": "x"}`).Conversation(0); err == nil || !strings.Contains(err.Error(), "data: dataset is not a conversation dataset") {
		t.Errorf("a plain dataset: %v", err)
	}
}

func TestCheckTrainable(t *testing.T) {
	turn := func(role string) map[string]any { return map[string]any{"role": role, "content": "x"} }
	for _, c := range []struct {
		turns []map[string]any
		want  string
	}{
		{[]map[string]any{turn("user"), turn("assistant")}, ""},
		{[]map[string]any{turn("system"), turn("user"), turn("assistant"), turn("user"), turn("assistant")}, ""},
		{[]map[string]any{turn("user"), turn("assistant"), turn("user")}, "ends with a user turn: training needs the assistant's reply last"},
		{[]map[string]any{turn("assistant"), turn("tool")}, "ends with a tool turn"},
		{[]map[string]any{turn("system"), turn("user")}, "no assistant turn (it ends with a user turn): training needs the assistant's reply last"},
		{nil, "no turns"},
	} {
		err := CheckTrainable(c.turns)
		if (c.want == "") != (err == nil) || err != nil && !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.turns, err, c.want)
		}
	}

	var lines []string
	for i := range 8 {
		last := `{"role": "user", "content": "again"}`
		if i == 3 {
			last = `{"role": "assistant", "content": "ok"}`
		}
		lines = append(lines, `{"messages": [{"role": "user", "content": "hi"}, `+last+`]}`)
	}
	ds := mustParse(t, strings.Join(lines, "\n"))
	err := ds.CheckTrainable()
	want := "data: dataset: 7 of 8 conversations cannot be trained on: row 0 (line 1): no assistant turn (it ends with a user turn)"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("CheckTrainable: %v\nwant %s…", err, want)
	}
	msg := err.Error()
	for _, s := range []string{"row 1 (line 2)", "row 2 (line 3)", "row 4 (line 5)", "row 5 (line 6)", "; and 2 more"} {
		if !strings.Contains(msg, s) {
			t.Errorf("CheckTrainable's error lacks %q: %s", s, msg)
		}
	}
	for _, s := range []string{"row 3 ", "row 6 ", "row 7 "} {
		if strings.Contains(msg, s) {
			t.Errorf("CheckTrainable's error names %q: %s", s, msg)
		}
	}
	if err := ds.Head(4).Head(1).CheckTrainable(); err == nil || !strings.HasSuffix(err.Error(), "1 of 1 conversations cannot be trained on: row 0 (line 1): no assistant turn (it ends with a user turn): training needs the assistant's reply last; add the reply") {
		t.Errorf("one row: %v", err)
	}
	if err := mustParse(t, lines[3]).CheckTrainable(); err != nil {
		t.Errorf("a trainable dataset: %v", err)
	}
	if err := mustParse(t, lines[3]+"\n"+`{"messages": []}`).CheckTrainable(); err == nil || !strings.Contains(err.Error(), "row 1 (line 2): no turns") {
		t.Errorf("a row that cannot be read: %v", err)
	}
}

func TestConversationSummary(t *testing.T) {
	ds := mustParse(t, toolRow+"\n"+toolRow)
	if got, want := ds.String(), "dataset: 2 conversations (OpenAI messages), columns messages"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := ds.Render().Text(); !strings.HasPrefix(got, "dataset: 2 conversations (OpenAI messages) × 1 columns") {
		t.Errorf("Render starts %.60q", got)
	}
	one := mustParse(t, `{"id": 1, "conversations": [{"from": "human", "value": "hi"}]}`)
	if got, want := one.String(), "dataset: 1 conversation (ShareGPT), columns id, conversations"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := mustParse(t, `{"messages": "hi"}`).String(); got != "dataset: 1 row, columns messages" {
		t.Errorf("a plain dataset's String = %q", got)
	}
	if !slices.Equal(ds.Columns(), []string{"messages"}) {
		t.Errorf("Columns = %q", ds.Columns())
	}
}

// TestShippedChat reads the conversation dataset golora ships.
func TestShippedChat(t *testing.T) {
	ds, err := Load("../../datasets/chat-dictionary.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if ds.ChatFormat() != ChatMessages {
		t.Errorf("ChatFormat = %q, want %q", ds.ChatFormat(), ChatMessages)
	}
	all, err := ds.Conversations()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 100 || len(all) > 300 {
		t.Errorf("%d conversations, want 100 to 300", len(all))
	}
	if err := ds.CheckTrainable(); err != nil {
		t.Error(err)
	}
}
