package lora

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/internal/testfiles"
)

// TestPEFTLoadsGGUFAdapter trains an adapter on every linear module of
// SmolLM2-135M-Instruct's GGUF file for two steps and has PEFT load the run's
// folder onto transformers' model of the same file, found from
// adapter_config.json's base_model_name_or_path and the file's name
// (testdata/peft_gguf.py): the logits must agree within 1e-3, as golora's
// and transformers' do without an adapter (llama's
// TestGGUFMatchesTransformers), while the adapter moves them by far more.
func TestPEFTLoadsGGUFAdapter(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on a 135M-parameter model and runs transformers")
	}
	path := testfiles.SmolLM2(t)
	python := testfiles.Python(t, "transformers", "peft", "gguf")
	model, err := llama.Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	run, err := Train(context.Background(), model, FromTexts(texts[:4]), Config{
		Name: "smollm2", Rank: 4, Alpha: 8, Targets: []string{"q", "k", "v", "o", "gate", "up", "down"},
		Epochs: 1, MicroBatch: 2, Batch: 2, CutoffLen: 32, LearningRate: 5e-3, NoWarmup: true, Seed: 3,
		OutputDir: out, PlotEvery: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	if run.Steps != 2 {
		t.Fatalf("run took %d steps, want 2", run.Steps)
	}

	// PEFT users find the base from base_model_name_or_path: the GGUF file's
	// folder, as PEFT writes it for a model loaded from that file.
	var pc peftConfig
	readJSON(t, filepath.Join(run.Dir, configFile), &pc)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	if pc.BaseModel != filepath.Dir(abs) {
		t.Errorf("base_model_name_or_path %q, want the GGUF file's folder %q", pc.BaseModel, filepath.Dir(abs))
	}

	// The model card names the base and shows how to load the adapter; its
	// PEFT snippet, run as it is, loads it.
	card, err := os.ReadFile(filepath.Join(run.Dir, cardFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"base_model: " + strconv.Quote(filepath.Dir(abs)), "library_name: peft", filepath.Base(path), strconv.Quote(model.Name()), "--lora adapter.gguf", "lora.Load(model, "} {
		if !strings.Contains(string(card), want) {
			t.Errorf("README.md lacks %q:\n%s", want, card)
		}
	}
	if model.Name() == filepath.Base(path) {
		t.Errorf("the model's name is its file's, %q: want the GGUF's general.name", model.Name())
	}
	snippet, ok := strings.CutPrefix(string(card)[strings.Index(string(card), "```python\n"):], "```python\n")
	snippet, _, _ = strings.Cut(snippet, "```")
	if !ok || !strings.Contains(snippet, "PeftModel.from_pretrained") {
		t.Fatalf("README.md has no PEFT snippet:\n%s", card)
	}
	cmd := exec.Command(python, "-c", snippet+"\nprint(type(model).__name__, sorted(model.peft_config))\n")
	if msg, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(msg), "PeftModelForCausalLM ['default']") {
		t.Errorf("the card's PEFT snippet: %v\n%s\n%s", err, snippet, msg)
	}

	ids := probeIDs(model.Config.VocabSize, 64)
	idsFile := filepath.Join(out, "ids.json")
	data, _ := json.Marshal(map[string]any{"ids": ids})
	if err := os.WriteFile(idsFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	logitsFile := filepath.Join(out, "peft.logits")
	cmd = exec.Command(python, "testdata/peft_gguf.py", run.Dir, filepath.Base(path), idsFile, logitsFile)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("PEFT could not load golora's adapter of a GGUF model: %v\n%s", err, msg)
	}
	peft := testfiles.ReadFloat32s(t, logitsFile)

	batch := llama.Batch{Tokens: [][]int{ids}}
	adapted, err := model.WithAdapter(run.Adapter).Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := model.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(peft) != len(adapted.Logits) {
		t.Fatalf("PEFT wrote %d logits, golora has %d", len(peft), len(adapted.Logits))
	}
	var worst, effect float64
	for i, g := range adapted.Logits {
		worst = max(worst, math.Abs(float64(g-peft[i])))
		effect = max(effect, math.Abs(float64(g-plain.Logits[i])))
	}
	t.Logf("%d positions × %d: max |Δlogit| golora vs PEFT %.2g; the adapter moves the logits by up to %.2g", len(ids), model.Config.VocabSize, worst, effect)
	if worst > 1e-3 {
		t.Errorf("golora's and PEFT's logits with the adapter differ by up to %.2g (want ≤ 1e-3)", worst)
	}
	if effect < 0.1 {
		t.Errorf("the adapter moves the logits by only %.2g: too little for the comparison to tell", effect)
	}

	// golora loads the folder back: the same weights.
	back, err := Load(model, run.Dir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := run.Adapter.weights()
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.weights()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(got) != 2*7*model.Config.NumLayers {
		t.Fatalf("reloaded %d tensors, saved %d", len(got), len(want))
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Fatalf("%s differs after loading the folder back", name)
		}
	}
}
