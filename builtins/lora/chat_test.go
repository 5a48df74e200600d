package lora

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/chat"
	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/internal/testfiles"
)

// chatMLTraining is ChatML with transformers' {% generation %} blocks around
// what an assistant turn trains: its content and <|im_end|>.
const chatMLTraining = `{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' }}{% if m['role'] == 'assistant' %}{% generation %}{{ m['content'] + '<|im_end|>' }}{% endgeneration %}{% else %}{{ m['content'] + '<|im_end|>' }}{% endif %}{{ '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`

// testConversations are conversations of several turns, with and without a system
// prompt.
var testConversations = []map[string]any{
	{"messages": []any{
		map[string]any{"role": "system", "content": "You define words tersely."},
		map[string]any{"role": "user", "content": "What is a tomb?"},
		map[string]any{"role": "assistant", "content": "The house of indifference."},
		map[string]any{"role": "user", "content": "And a bore?"},
		map[string]any{"role": "assistant", "content": "A person who talks when you wish him to listen."},
	}},
	{"messages": []any{
		map[string]any{"role": "user", "content": "Define patience."},
		map[string]any{"role": "assistant", "content": "A minor form of despair, disguised as a virtue."},
	}},
	{"messages": []any{
		map[string]any{"role": "system", "content": "Answer in one line."},
		map[string]any{"role": "user", "content": "What is a friend?"},
		map[string]any{"role": "assistant", "content": "Someone you may safely leave alone with your thoughts."},
		map[string]any{"role": "user", "content": "And an enemy?"},
		map[string]any{"role": "assistant", "content": "A friend, given time."},
		map[string]any{"role": "user", "content": "Thanks."},
		map[string]any{"role": "assistant", "content": "You are welcome."},
	}},
}

// goloraTiny loads the shipped model, whose tokenizer.json transformers reads.
func goloraTiny(t testing.TB) *llama.Model {
	t.Helper()
	m, err := llama.Load(context.Background(), "../../models/golora-tiny")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestChatMaskMatchesTransformers makes FromChat's examples of three
// conversations with a {% generation %} template and compares them with
// transformers' apply_chat_template(return_assistant_tokens_mask=True) on
// the same tokenizer: the same tokens, and the same trained tokens, token
// for token. The template without its generation blocks, whose spans golora
// finds by rendering prefixes, must give the same masks too.
func TestChatMaskMatchesTransformers(t *testing.T) {
	python := testfiles.Python(t, "transformers")
	m := goloraTiny(t)
	ds, err := data.FromRows(testConversations)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var convs [][]map[string]any
	for _, r := range testConversations {
		var turns []map[string]any
		for _, turn := range r["messages"].([]any) {
			turns = append(turns, turn.(map[string]any))
		}
		convs = append(convs, turns)
	}
	cases, _ := json.Marshal(map[string]any{"template": chatMLTraining, "conversations": convs})
	in, out := filepath.Join(dir, "cases.json"), filepath.Join(dir, "out.json")
	if err := os.WriteFile(in, cases, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "testdata/assistant_mask.py", "../../models/golora-tiny/tokenizer.json", in, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("transformers: %v\n%s", err, msg)
	}
	var want []struct {
		IDs  []int `json:"ids"`
		Mask []int `json:"mask"`
	}
	raw, _ := os.ReadFile(out)
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	withGeneration, err := chat.Parse(chatMLTraining)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := chat.Parse(strings.NewReplacer("{% generation %}", "", "{% endgeneration %}", "").Replace(chatMLTraining))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Config{Name: "t", CutoffLen: 512}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what string
		tmpl *chat.Template
	}{{"{% generation %} template", withGeneration}, {"prefix spans", plain}} {
		got, err := FromChat(ds, c.tmpl).make(context.Background(), m, cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		for i, e := range got.examples {
			if !slices.Equal(e.IDs, want[i].IDs) {
				t.Fatalf("%s: row %d: ids differ from transformers'\n golora %v\n   want %v", c.what, i, e.IDs, want[i].IDs)
			}
			trained := 0
			for k := range e.IDs {
				if e.Mask[k] != (want[i].Mask[k] == 1) {
					t.Errorf("%s: row %d token %d (%q): trained %v, transformers %v", c.what, i, k, m.Tokenizer().Decode(e.IDs[k:k+1]), e.Mask[k], want[i].Mask[k] == 1)
				}
				if e.Mask[k] {
					trained++
				}
			}
			if trained == 0 || trained == len(e.IDs)-1 {
				t.Errorf("%s: row %d: %d of %d tokens trained: the comparison cannot tell", c.what, i, trained, len(e.IDs))
			}
		}
	}
	// LastTurnOnly trains the last assistant turn alone: fewer tokens, all
	// of them at the end.
	all, err := FromChat(ds, withGeneration).make(context.Background(), m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	got0 := all.examples[0]
	cfg.LastTurnOnly = true
	last, err := FromChat(ds, withGeneration).make(context.Background(), m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := last.examples[0]
	first := slices.Index(e.Mask, true)
	if first < 0 || countTrue(e.Mask) >= countTrue(got0.Mask) || !strings.Contains(m.Tokenizer().Decode(e.IDs[first:]), "A person who talks") || strings.Contains(m.Tokenizer().Decode(e.IDs[first:]), "indifference") {
		t.Errorf("LastTurnOnly: trained from token %d: %q", first, m.Tokenizer().Decode(e.IDs[max(first, 0):]))
	}
}

// TestChatMaskReachesTheLoss trains one step on the conversations and
// compares the step's loss with the model's loss under the mask: equal.
// Then it changes tokens: the last token of a conversation (the newline
// after <|im_end|>, untrained, which nothing after it reads) leaves the loss
// alone; a trained token of an assistant's answer moves it.
func TestChatMaskReachesTheLoss(t *testing.T) {
	m := goloraTiny(t)
	ds, err := data.FromRows(testConversations)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := chat.Named("chatml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Name: "chat", Rank: 4, Alpha: 8, Epochs: 1, Batch: 3, MicroBatch: 3, CutoffLen: 256, NoDropout: true, NoWarmup: true,
		Seed: 1, OutputDir: t.TempDir(), PlotEvery: 1000}
	run, err := Train(context.Background(), m, FromChat(ds, tmpl), cfg)
	if err != nil {
		t.Fatal(err)
	}
	full, _ := cfg.withDefaults()
	made, err := FromChat(ds, tmpl).make(context.Background(), m, full)
	if err != nil {
		t.Fatal(err)
	}
	loss := func(examples []Example) float64 {
		b := llama.Batch{}
		longest := 0
		for _, e := range examples {
			longest = max(longest, len(e.IDs))
		}
		for _, e := range examples {
			ids, mask, labels := make([]int, longest), make([]int, longest), make([]int, longest)
			for k := range labels {
				labels[k] = llama.IgnoreLabel
			}
			for k, id := range e.IDs {
				ids[k], mask[k] = id, 1
				if e.Mask[k] {
					labels[k] = id
				}
			}
			b.Tokens, b.Mask, b.Labels = append(b.Tokens, ids), append(b.Mask, mask), append(b.Labels, labels)
		}
		out, err := m.Forward(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		return out.Loss
	}
	masked := loss(made.examples)
	if d := math.Abs(run.Log.Entries[0].Loss - masked); d > 1e-5 {
		t.Errorf("training loss %.6f, the model's loss under the mask %.6f", run.Log.Entries[0].Loss, masked)
	}
	changed := func(at func(e Example) int) []Example {
		out := slices.Clone(made.examples)
		e := out[0]
		e.IDs = slices.Clone(e.IDs)
		k := at(e)
		e.IDs[k] = (e.IDs[k] + 1) % m.Config.VocabSize
		out[0] = e
		return out
	}
	last := made.examples[0]
	if last.Mask[len(last.Mask)-1] {
		t.Fatalf("the conversation's last token %q is trained", m.Tokenizer().Decode(last.IDs[len(last.IDs)-1:]))
	}
	same := loss(changed(func(e Example) int { return len(e.IDs) - 1 }))
	moved := loss(changed(func(e Example) int { return slices.Index(e.Mask, true) }))
	t.Logf("loss %.6f; last (untrained) token changed %.6f; first trained token changed %.6f", masked, same, moved)
	if same != masked || math.Abs(moved-masked) < 1e-4 {
		t.Errorf("loss %.6f; with the untrained last token changed %.6f (want equal); with a trained token changed %.6f (want different)", masked, same, moved)
	}
}

// TestFromChatErrors: a plain dataset, a conversation that does not end
// with the assistant's reply, and a model without a template are refused
// before training, each naming what is wrong and the way out.
func TestFromChatErrors(t *testing.T) {
	m := goloraTiny(t)
	tmpl, _ := chat.Named("chatml")
	plain, _ := data.FromRows([]map[string]any{{"instruction": "x", "output": "y"}})
	endsWithUser, _ := data.FromRows([]map[string]any{
		{"messages": []any{map[string]any{"role": "user", "content": "a"}, map[string]any{"role": "assistant", "content": "b"}}},
		{"messages": []any{map[string]any{"role": "user", "content": "a"}, map[string]any{"role": "assistant", "content": "b"}, map[string]any{"role": "user", "content": "c"}}},
	})
	good, _ := data.FromRows(testConversations)
	cfg := Config{Name: "t", OutputDir: t.TempDir(), Epochs: 1, Batch: 2, MicroBatch: 2, PlotEvery: 1000}
	for _, c := range []struct {
		what string
		src  *Source
		want []string
	}{
		{"a plain dataset", FromChat(plain, tmpl), []string{"holds no conversations", "lora.FromFormat"}},
		{"ending with the user", FromChat(endsWithUser, tmpl), []string{"row 1", "ends with a user turn", "assistant's reply last"}},
		{"no template", FromChat(good, nil), []string{"has no chat template", `chat.Named(\"chatml\")`}},
	} {
		_, err := Train(context.Background(), m, c.src, cfg)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(w, `\"`, `"`)) {
				t.Errorf("%s: error %v, want %q", c.what, err, w)
			}
		}
	}
}
