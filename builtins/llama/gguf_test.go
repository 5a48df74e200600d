package llama

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

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/internal/testfiles"
)

// TestGGUFConfig checks the hyper-parameters Load reads from SmolLM2's
// metadata.
func TestGGUFConfig(t *testing.T) {
	f, err := gguf.Open(testfiles.SmolLM2(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ggufConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{HiddenSize: 576, IntermediateSize: 1536, NumLayers: 30, NumHeads: 9, NumKVHeads: 3, HeadDim: 64,
		VocabSize: 49152, RMSNormEps: 1e-5, RopeTheta: 100000, MaxPositionEmbeddings: 8192, TieWordEmbeddings: true,
		BOS: 1, EOS: []int{2}, DType: "GGUF Q4_1 ×210, F32 ×61, Q8_0 ×1"}
	if c.HiddenSize != want.HiddenSize || c.IntermediateSize != want.IntermediateSize || c.NumLayers != want.NumLayers ||
		c.NumHeads != want.NumHeads || c.NumKVHeads != want.NumKVHeads || c.HeadDim != want.HeadDim ||
		c.VocabSize != want.VocabSize || math.Abs(c.RMSNormEps-want.RMSNormEps) > 1e-12 || c.RopeTheta != want.RopeTheta ||
		c.TieWordEmbeddings != want.TieWordEmbeddings || c.BOS != want.BOS || !slices.Equal(c.EOS, want.EOS) || c.DType != want.DType {
		t.Errorf("config %+v\nwant   %+v", c, want)
	}
}

// TestGGUFMatchesTransformers loads SmolLM2-135M-Instruct's Q4_1 file and
// compares the logits at every position of a few hundred tokens, and 40
// greedily generated tokens, with transformers' on the same file
// (testdata/gguf_reference.py).
func TestGGUFMatchesTransformers(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 135M-parameter model and runs transformers")
	}
	path := testfiles.SmolLM2(t)
	python := testfiles.Python(t, "transformers", "gguf")
	m, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.NumLayers != 30 || !m.Config.TieWordEmbeddings {
		t.Fatalf("config %+v", m.Config)
	}
	if tok := m.Tokenizer(); tok == nil {
		t.Errorf("no tokenizer: %v", m.TokenizerError())
	} else if tok.BOS() != 1 || tok.EOS() != 2 || tok.VocabSize() != 49152 {
		t.Errorf("tokenizer: BOS %d, EOS %d, %d tokens; want 1, 2, 49152", tok.BOS(), tok.EOS(), tok.VocabSize())
	}
	// A few hundred ids spread over the vocabulary, special tokens included.
	ids := []int{1}
	for i := range 300 {
		ids = append(ids, (i*7919+13)%m.Config.VocabSize)
	}
	prompt := ids[:20]
	dir := t.TempDir()
	req, _ := json.Marshal(map[string]any{"ids": ids, "prompt": prompt})
	if err := os.WriteFile(filepath.Join(dir, "ids.json"), req, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "gguf_reference.py"), path, filepath.Join(dir, "ids.json"), filepath.Join(dir, "ref"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gguf_reference.py: %v\n%s", err, out)
	}
	want := testfiles.ReadFloat32s(t, filepath.Join(dir, "ref.logits"))
	out, err := m.Forward(context.Background(), Batch{Tokens: [][]int{ids}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Logits) != len(want) {
		t.Fatalf("%d logits, transformers %d", len(out.Logits), len(want))
	}
	var worst float64
	for i := range want {
		worst = math.Max(worst, math.Abs(float64(out.Logits[i]-want[i])))
	}
	t.Logf("%d positions × %d: max |Δlogit| %.2g", len(ids), m.Config.VocabSize, worst)
	if worst > 1e-3 {
		t.Errorf("logits differ from transformers' by up to %g (want ≤ 1e-3)", worst)
	}

	var ref struct{ Generated []int }
	rawJSON, err := os.ReadFile(filepath.Join(dir, "ref.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(rawJSON, &ref); err != nil {
		t.Fatal(err)
	}
	got, err := m.GenerateIDs(context.Background(), prompt, GenOptions{MaxNewTokens: 40}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, ref.Generated) {
		t.Errorf("greedy generation\n got %v\nwant %v", got, ref.Generated)
	}
}

// TestGGUFErrors checks the errors of files golora cannot run: another
// architecture, and a folder with two GGUF files.
func TestGGUFErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qwen.gguf")
	meta := []gguf.KV{{Key: "general.architecture", Value: "qwen2"}}
	if err := gguf.WriteFile(path, meta, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), path); err == nil || !strings.Contains(err.Error(), `architecture "qwen2"`) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load(qwen2 GGUF): %v", err)
	}
	if err := gguf.WriteFile(filepath.Join(dir, "other.gguf"), meta, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "2 GGUF files") {
		t.Errorf("Load(folder of two GGUF files): %v", err)
	}
}
