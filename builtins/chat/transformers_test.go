package chat

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/internal/testfiles"
)

// realTemplates are the fetched templates the tests render, one or more of
// each family, by the name of their file under chat-templates/
// (testdata/fetch.sh); "smollm2" is SmolLM2-135M-Instruct's GGUF.
var realTemplates = []string{
	"smollm2",
	"llama.cpp/meta-llama-Llama-3.1-8B-Instruct.jinja",
	"llama.cpp/meta-llama-Llama-3.2-3B-Instruct.jinja",
	"llama.cpp/mistralai-Mistral-Nemo-Instruct-2407.jinja",
	"llama.cpp/Qwen-Qwen2.5-7B-Instruct.jinja",
	"llama.cpp/google-gemma-2-2b-it.jinja",
	"llama.cpp/microsoft-Phi-3.5-mini-instruct.jinja",
	"trl/llama3.jinja",
	"trl/phi3.jinja",
	"trl/qwen2_5_training.jinja",
	"trl/gemma3_training.jinja",
	"trl/llama3_training.jinja",
	"llama.cpp/Qwen-Qwen3-0.6B.jinja",
	"llama.cpp/HuggingFaceTB-SmolLM3-3B.jinja",
	"llama.cpp/ibm-granite-granite-3.3-2B-Instruct.jinja",
}

// loadTemplate reads a fetched template; it fails, not skips, when
// make testdata has not fetched it.
func loadTemplate(t *testing.T, name string) string {
	t.Helper()
	if name == "smollm2" {
		f, err := gguf.Open(testfiles.SmolLM2(t))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		source, err := f.String("tokenizer.chat_template")
		if err != nil {
			t.Fatal(err)
		}
		return source
	}
	path := filepath.Join(testfiles.Dir(t), "chat-templates", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run make testdata (builtins/chat/testdata/fetch.sh fetches the chat templates)", err)
	}
	return string(data)
}

// conversations are testdata/conversations.json, by name, in the order
// of the file.
func conversations(t *testing.T) (names []string, convs map[string][]Message, tools []map[string]any) {
	t.Helper()
	data, err := os.ReadFile("testdata/conversations.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	top, err := decodeObjects([]byte("[" + string(data) + "]"))
	if err != nil {
		t.Fatal(err)
	}
	names = orderedKeys(top[0])
	convs = map[string][]Message{}
	for _, name := range names {
		if convs[name], err = DecodeMessages(raw[name]); err != nil {
			t.Fatal(err)
		}
	}
	toolData, err := os.ReadFile("testdata/tools.json")
	if err != nil {
		t.Fatal(err)
	}
	if tools, err = DecodeTools(toolData); err != nil {
		t.Fatal(err)
	}
	return names, convs, tools
}

// A refCase is one rendering for render.py to do, in its JSON form.
type refCase struct {
	Name                string          `json:"name"`
	Template            string          `json:"template"`
	Messages            json.RawMessage `json:"messages"`
	Tools               json.RawMessage `json:"tools"`
	AddGenerationPrompt bool            `json:"add_generation_prompt"`
	BOSToken            string          `json:"bos_token"`
	EOSToken            string          `json:"eos_token"`
	Vars                json.RawMessage `json:"vars"`
	Spans               bool            `json:"spans"`
	opts                Options         // the same, for golora
	messages            []Message
}

// A refResult is render.py's answer to one case.
type refResult struct {
	Text  *string  `json:"text"`
	Error *string  `json:"error"`
	Spans [][2]int `json:"spans"`
}

// renderWithTransformers has testdata/render.py render the cases.
func renderWithTransformers(t *testing.T, cases []refCase) []refResult {
	t.Helper()
	python := testfiles.Python(t, "transformers")
	dir := t.TempDir()
	data, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	in, out := filepath.Join(dir, "cases.json"), filepath.Join(dir, "results.json")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(python, "testdata/render.py", in, out).CombinedOutput(); err != nil {
		t.Fatalf("render.py: %v\n%s", err, msg)
	}
	data, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var results []refResult
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != len(cases) {
		t.Fatalf("render.py answered %d cases of %d", len(results), len(cases))
	}
	return results
}

// firstDifference describes where got and want part, with context.
func firstDifference(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-40)
	return fmt.Sprintf("first difference at byte %d (got %d bytes, want %d):\n got  %q\n want %q",
		i, len(got), len(want), got[from:min(len(got), i+40)], want[from:min(len(want), i+40)])
}

// buildCases renders every fetched template on every conversation, with
// and without the generation prompt.
func buildCases(t *testing.T, templates []string) []refCase {
	names, convs, tools := conversations(t)
	raw := map[string]json.RawMessage{}
	data, _ := os.ReadFile("testdata/conversations.json")
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	toolsJSON, _ := os.ReadFile("testdata/tools.json")
	varsJSON := json.RawMessage(`{"date_string": "02 Dec 2026"}`)
	vars := decodeVars(t, varsJSON)
	var cases []refCase
	for _, tname := range templates {
		source := loadTemplate(t, tname)
		for _, conv := range names {
			for _, agp := range []bool{false, true} {
				c := refCase{
					Name:     fmt.Sprintf("%s/%s/generation-prompt=%v", tname, conv, agp),
					Template: source, Messages: raw[conv], Tools: json.RawMessage("null"),
					AddGenerationPrompt: agp, BOSToken: "<s>", EOSToken: "</s>", Vars: varsJSON,
					Spans:    generationRE.MatchString(source),
					messages: convs[conv],
				}
				c.opts = Options{AddGenerationPrompt: agp, BOSToken: "<s>", EOSToken: "</s>", Vars: vars}
				if conv == "tools" {
					c.Tools, c.opts.Tools = toolsJSON, tools
				}
				cases = append(cases, c)
			}
		}
	}
	// golora's own template of tojson's arguments, on values of every kind.
	source, err := os.ReadFile("testdata/tojson.jinja")
	if err != nil {
		t.Fatal(err)
	}
	valueJSON, err := os.ReadFile("testdata/tojson-vars.json")
	if err != nil {
		t.Fatal(err)
	}
	cases = append(cases, refCase{
		Name: "testdata/tojson.jinja", Template: string(source), Messages: raw["plain"], Tools: json.RawMessage("null"),
		Vars: valueJSON, messages: convs["plain"], opts: Options{Vars: decodeVars(t, valueJSON)},
	})
	return cases
}

// decodeVars decodes a JSON object of template variables, keeping key
// order.
func decodeVars(t *testing.T, data []byte) map[string]any {
	t.Helper()
	objs, err := decodeObjects(append(append([]byte("["), data...), ']'))
	if err != nil {
		t.Fatal(err)
	}
	delete(objs[0], KeyOrder)
	return objs[0]
}

// TestMatchesTransformers renders real templates of six families on
// conversations with system prompts, tool calls, None keys, non-ASCII
// text and surrounding whitespace, and compares each rendering byte for
// byte with transformers' (and each error with transformers' message, and
// each {% generation %} template's spans with its assistant mask's).
func TestMatchesTransformers(t *testing.T) {
	cases := buildCases(t, realTemplates)
	if testing.Short() {
		t.Skip("-short: not running transformers")
	}
	results := renderWithTransformers(t, cases)
	rendered, failed, spanned := 0, 0, 0
	for i, c := range cases {
		want := results[i]
		tmpl, err := Parse(c.Template)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		var got string
		var spans []Span
		if c.Spans {
			got, spans, err = tmpl.RenderSpans(c.messages, c.opts)
		} else {
			got, err = tmpl.Render(c.messages, c.opts)
		}
		if want.Error != nil {
			failed++
			if err == nil || !strings.Contains(err.Error(), *want.Error) {
				t.Errorf("%s: transformers fails with %q, golora gives %v", c.Name, *want.Error, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		rendered++
		if got != *want.Text {
			t.Errorf("%s: %s", c.Name, firstDifference(got, *want.Text))
			continue
		}
		if c.Spans {
			spanned++
			var ranges [][2]int
			for _, s := range spans {
				ranges = append(ranges, [2]int{s.Start, s.End})
			}
			if !slices.Equal(ranges, want.Spans) {
				t.Errorf("%s: spans %v, transformers' generation ranges %v", c.Name, ranges, want.Spans)
			}
			if len(want.Spans) == 0 {
				t.Errorf("%s: transformers marks nothing: the case tests no span", c.Name)
			}
		}
	}
	t.Logf("%d renderings byte-equal to transformers', %d of them with spans; %d errors as transformers'", rendered, spanned, failed)
	if rendered < len(realTemplates)*4 {
		t.Errorf("only %d renderings succeeded", rendered)
	}
}

// knownDifferences are the fetched templates whose renderings differ from
// transformers', and why.
var knownDifferences = map[string]string{
	// "'...'|safe + text" is Markup in Jinja, which HTML-escapes the text
	// added to it; the engine has no Markup.
	"llama.cpp/meetkai-functionary-medium-v3.1.jinja": "Markup escaping",
}

// TestAllFetchedTemplates renders every fetched template on every
// conversation: wherever transformers renders one, golora must give the
// same bytes (and the same {% generation %} spans). Where transformers
// fails and golora renders (the engine is more lenient: an attribute of a
// string, a method it does not sandbox), the case is only counted.
func TestAllFetchedTemplates(t *testing.T) {
	var all []string
	for _, dir := range []string{"llama.cpp", "trl"} {
		files, err := filepath.Glob(filepath.Join(testfiles.Dir(t), "chat-templates", dir, "*.jinja"))
		if err != nil {
			t.Fatal(err)
		}
		if len(files) == 0 {
			t.Fatalf("no templates in chat-templates/%s: run make testdata (builtins/chat/testdata/fetch.sh fetches them)", dir)
		}
		for _, f := range files {
			all = append(all, dir+"/"+filepath.Base(f))
		}
	}
	if testing.Short() {
		t.Skip("-short: not running transformers")
	}
	cases := buildCases(t, all)
	results := renderWithTransformers(t, cases)
	equal, spanned, lenient := 0, 0, map[string]bool{}
	for i, c := range cases {
		tname := c.Name[:strings.Index(c.Name, ".jinja")+len(".jinja")]
		if _, known := knownDifferences[tname]; known {
			continue
		}
		want := results[i]
		tmpl, err := Parse(c.Template)
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		got, spans, err := tmpl.RenderSpans(c.messages, c.opts)
		switch {
		case want.Error != nil && err == nil:
			lenient[tname] = true
			continue
		case want.Error != nil:
			continue
		case err != nil:
			if strings.Contains(err.Error(), "chat spans:") {
				got, err = tmpl.Render(c.messages, c.opts)
			}
			if err != nil {
				t.Errorf("%s: %v", c.Name, err)
				continue
			}
		}
		if got != *want.Text {
			t.Errorf("%s: %s", c.Name, firstDifference(got, *want.Text))
			continue
		}
		equal++
		if c.Spans {
			var ranges [][2]int
			for _, s := range spans {
				ranges = append(ranges, [2]int{s.Start, s.End})
			}
			if !slices.Equal(ranges, want.Spans) {
				t.Errorf("%s: spans %v, transformers' generation ranges %v", c.Name, ranges, want.Spans)
				continue
			}
			spanned++
		}
	}
	t.Logf("%d templates, %d renderings byte-equal to transformers' (%d with equal spans); %d templates render where transformers fails on some case", len(all), equal, spanned, len(lenient))
}
