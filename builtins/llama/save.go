package llama

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/internal/atomicfile"
)

// MarshalJSON writes the config as transformers' config.json for
// LlamaForCausalLM.
func (c Config) MarshalJSON() ([]byte, error) {
	kv := c.NumKVHeads
	hd := c.HeadDim
	out := map[string]any{
		"architectures":           []string{"LlamaForCausalLM"},
		"model_type":              "llama",
		"hidden_size":             c.HiddenSize,
		"intermediate_size":       c.IntermediateSize,
		"num_hidden_layers":       c.NumLayers,
		"num_attention_heads":     c.NumHeads,
		"num_key_value_heads":     kv,
		"head_dim":                hd,
		"vocab_size":              c.VocabSize,
		"rms_norm_eps":            c.RMSNormEps,
		"rope_theta":              c.RopeTheta,
		"max_position_embeddings": c.MaxPositionEmbeddings,
		"tie_word_embeddings":     c.TieWordEmbeddings,
		"hidden_act":              "silu",
		"attention_bias":          false,
		"mlp_bias":                false,
		"torch_dtype":             "float32",
	}
	if c.BOS >= 0 {
		out["bos_token_id"] = c.BOS
	}
	switch len(c.EOS) {
	case 0:
	case 1:
		out["eos_token_id"] = c.EOS[0]
	default:
		out["eos_token_id"] = c.EOS
	}
	if r := c.RopeScaling; r != nil {
		out["rope_scaling"] = map[string]any{
			"rope_type": r.Type, "factor": r.Factor, "low_freq_factor": r.LowFreqFactor,
			"high_freq_factor": r.HighFreqFactor, "original_max_position_embeddings": r.OriginalMaxPositionEmbeddings,
		}
	}
	return json.MarshalIndent(out, "", "  ")
}

// Save writes the model as a Hugging Face model folder: config.json,
// model.safetensors (float32, or bfloat16 with dtype "bfloat16") and, when
// the model has a tokenizer, tokenizer.json. Every
// file is written to a temporary name and renamed.
func (m *Model) Save(dir, dtype string) (err error) {
	defer recoverTo(&err, "save")
	st := safetensors.F32
	switch dtype {
	case "", "float32":
		dtype = "float32"
	case "bfloat16":
		st = safetensors.BF16
	default:
		return fmt.Errorf("llama: save: dtype %q: want float32 or bfloat16", dtype)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("llama: %w", err)
	}
	var list []safetensors.Tensor
	for _, name := range m.WeightNames() {
		values, err := m.WeightValues(name)
		if err != nil {
			return fmt.Errorf("llama: save: %w", err)
		}
		st, err := safetensors.Float32Tensor(name, st, m.shapeOf(name), values)
		if err != nil {
			return err
		}
		list = append(list, st)
	}
	if err := safetensors.Write(filepath.Join(dir, safetensors.ModelFile), list, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("llama: save: %w", err)
	}
	cfg := m.Config
	cfg.DType = dtype
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	var obj map[string]any
	json.Unmarshal(data, &obj)
	obj["torch_dtype"] = dtype
	data, _ = json.MarshalIndent(obj, "", "  ")
	if err := atomicfile.Write(filepath.Join(dir, "config.json"), append(data, '\n')); err != nil {
		return fmt.Errorf("llama: save: %w", err)
	}
	if m.tok != nil {
		if err := m.tok.Save(filepath.Join(dir, "tokenizer.json")); err != nil {
			return fmt.Errorf("llama: save: %w", err)
		}
	}
	return nil
}

// Copy returns a model that holds its own copy of m's weights, on the same
// backend, with m's tokenizer and without its adapter: what changes in one
// does not change the other.
func (m *Model) Copy() (c *Model, err error) {
	defer recoverTo(&err, "copy")
	c = &Model{Config: m.Config, Dir: m.Dir, backend: m.backend, choice: m.choice, store: model.NewStore(),
		weights: map[string]*model.Variable{}, blocks: map[string]gguf.Type{}, execs: map[string]*model.Exec{}, tok: m.tok, tokErr: m.tokErr, name: m.name, chatTemplate: m.chatTemplate, compute: m.compute,
		weightDType: m.weightDType, checkpoint: m.checkpoint, quantizeTo: m.quantizeTo, dequantizeAll: m.dequantizeAll}
	for _, name := range m.WeightNames() {
		v := m.weights[name]
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("llama: copy: %s: %w", name, err)
		}
		if bt, ok := m.blocks[name]; ok {
			shape := m.shapeOf(name)
			if err := c.addBlockWeight(name, bt, shape[0], shape[1], tensors.MustCopyFlatData[uint8](t)); err != nil {
				return nil, err
			}
			continue
		}
		flat, err := float32Of(t)
		if err != nil {
			return nil, fmt.Errorf("llama: copy: %s: %w", name, err)
		}
		value, err := newWeight(c.backend, v.DType(), v.Shape().Dimensions, func(dst []float32) error { copy(dst, flat); return nil })
		if err != nil {
			return nil, fmt.Errorf("llama: copy: %s: %w", name, err)
		}
		c.addWeight(name, value)
	}
	return c, nil
}
