package lora

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/golora/golora/builtins/llama"
)

// smolLM2File returns the path of SmolLM2-135M-Instruct's Q4_1 GGUF file,
// which `make testdata` fetches. Only -short runs do without it.
func smolLM2File(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("GOLORA_TESTDATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "testdata-cache")
	}
	path := filepath.Join(dir, "smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
	if _, err := os.Stat(path); err != nil {
		if testing.Short() {
			t.Skipf("no %s (make testdata fetches it)", path)
		}
		t.Fatalf("%v: run make testdata (or set GOLORA_TESTDATA)", err)
	}
	return path
}

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
	path := smolLM2File(t)
	python := os.Getenv("GOLORA_PYTHON")
	if python == "" {
		t.Fatal("GOLORA_PYTHON is not set: run with `make test`, or set it to a Python with torch, transformers and peft")
	}
	model, err := llama.Load(path)
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

	ids := []int{1}
	for i := range 63 {
		ids = append(ids, (i*7919+13)%model.Config.VocabSize)
	}
	idsFile := filepath.Join(out, "ids.json")
	data, _ := json.Marshal(map[string]any{"ids": ids})
	if err := os.WriteFile(idsFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	logitsFile := filepath.Join(out, "peft.logits")
	cmd := exec.Command(python, "testdata/peft_gguf.py", run.Dir, filepath.Base(path), idsFile, logitsFile)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("PEFT could not load golora's adapter of a GGUF model: %v\n%s", err, msg)
	}
	raw, err := os.ReadFile(logitsFile)
	if err != nil {
		t.Fatal(err)
	}
	peft := make([]float32, len(raw)/4)
	if _, err := binary.Decode(raw, binary.LittleEndian, peft); err != nil {
		t.Fatal(err)
	}

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
