package llama

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/internal/testfiles"
)

func TestParseConfigRejectsWhatItCannotRun(t *testing.T) {
	base := map[string]any{
		"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
		"num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256, "max_position_embeddings": 128,
	}
	if _, err := ParseConfig(mustJSON(base)); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, c := range []struct {
		key  string
		val  any
		want string
	}{
		{"model_type", "mistral", "model_type"},
		{"hidden_act", "gelu", "hidden_act"},
		{"attention_bias", true, "bias"},
		{"rope_scaling", map[string]any{"rope_type": "yarn", "factor": 4}, "yarn"},
		{"rope_parameters", map[string]any{"rope_type": "dynamic"}, "dynamic"},
		{"rope_scaling", map[string]any{"rope_type": "llama3", "factor": 8}, "llama3"},
		{"num_key_value_heads", 3, "multiple"},
		{"hidden_size", 0, "hidden_size"},
		{"head_dim", 15, "even"},
		{"eos_token_id", 999, "vocabulary"},
		{"eos_token_id", "two", "eos_token_id"},
	} {
		cfg := map[string]any{}
		for k, v := range base {
			cfg[k] = v
		}
		cfg[c.key] = c.val
		if _, err := ParseConfig(mustJSON(cfg)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%v: error %v, want one that mentions %q", c.key, c.val, err, c.want)
		}
	}
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// copyModel copies a test model's config files to a new folder.
func copyModel(t *testing.T, name string) (dir string, weights *safetensors.File) {
	dir = t.TempDir()
	for _, f := range []string{"config.json", "generation_config.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "models", name, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	weights, err := safetensors.Open(filepath.Join("testdata", "models", name, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { weights.Close() })
	return dir, weights
}

// rawTensor reads a tensor of f as it is stored.
func rawTensor(t *testing.T, f *safetensors.File, name string) safetensors.Tensor {
	info, _ := f.Tensor(name)
	data, err := f.Bytes(name)
	if err != nil {
		t.Fatal(err)
	}
	return safetensors.Tensor{Name: name, DType: info.DType, Shape: info.Shape, Data: data}
}

func TestLoadShardedModel(t *testing.T) {
	m, e := testModel(t, "gqa")
	dir, weights := copyModel(t, "gqa")
	// Two shards, split as transformers would, and their index.
	shards := [2][]safetensors.Tensor{}
	weightMap := map[string]string{}
	for i, name := range weights.Names() {
		shards[i%2] = append(shards[i%2], rawTensor(t, weights, name))
		weightMap[name] = fmt.Sprintf("model-%05d-of-00002.safetensors", i%2+1)
	}
	for i, ts := range shards {
		if err := safetensors.Write(filepath.Join(dir, fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)), ts, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, safetensors.IndexFile), mustJSON(map[string]any{"weight_map": weightMap}), 0o644)
	sharded, err := Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	batch := Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels}
	a, err := m.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sharded.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if a.Loss != b.Loss {
		t.Errorf("sharded model's loss %v, single file's %v", b.Loss, a.Loss)
	}
}

func TestLoadNamesWhatIsWrong(t *testing.T) {
	dir, weights := copyModel(t, "gqa")
	var ts []safetensors.Tensor
	for _, name := range weights.Names() {
		switch name {
		case "model.layers.1.mlp.up_proj.weight": // Left out.
		case "model.norm.weight": // Wrong shape.
			raw := rawTensor(t, weights, name)
			raw.Shape, raw.Data = []int{32}, raw.Data[:128]
			ts = append(ts, raw)
		default:
			ts = append(ts, rawTensor(t, weights, name))
		}
	}
	path := filepath.Join(dir, "model.safetensors")
	if err := safetensors.Write(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "model.layers.1.mlp.up_proj.weight") {
		t.Errorf("missing tensor: error %v", err)
	}
	ts = append(ts, rawTensor(t, weights, "model.layers.1.mlp.up_proj.weight"))
	if err := safetensors.Write(path, ts, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(context.Background(), dir); err == nil || !strings.Contains(err.Error(), `"model.norm.weight" has shape [32]`) || !strings.Contains(err.Error(), "model.safetensors") {
		t.Errorf("wrong shape: error %v", err)
	}
}

func TestSummary(t *testing.T) {
	m, e := testModel(t, "llama3")
	text := m.Render().Text()
	for _, want := range []string{fmt.Sprint(e.NumParameters), "llama3 scaling", "1 key/value heads", m.choice.name, "bfloat16"} {
		if !strings.Contains(text, want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
}

// TestLoadCancelled checks that Load stops with ctx's error when ctx is
// cancelled, for a Hugging Face folder and for a GGUF file.
func TestLoadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for name, path := range map[string]func(testing.TB) string{
		"folder": func(testing.TB) string { return filepath.Join("testdata", "models", "gqa") },
		"gguf":   testfiles.SmolLM2,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(ctx, path(t)); !errors.Is(err, context.Canceled) {
				t.Errorf("Load with a cancelled context: %v, want context.Canceled", err)
			}
		})
	}
}
