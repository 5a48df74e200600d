package llama

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Config is the architecture of a LLaMA model, read from a Hugging Face
// config.json (LlamaConfig).
type Config struct {
	HiddenSize       int // Width of the residual stream.
	IntermediateSize int // Width of the MLP.
	NumLayers        int // num_hidden_layers.
	NumHeads         int // Query heads.
	NumKVHeads       int // Key/value heads (grouped-query attention when fewer than NumHeads).
	HeadDim          int // head_dim, or HiddenSize/NumHeads when absent.
	VocabSize        int
	RMSNormEps       float64
	RopeTheta        float64
	// RopeScaling is nil for plain RoPE.
	RopeScaling           *RopeScaling
	MaxPositionEmbeddings int
	TieWordEmbeddings     bool
	// BOS is the begin-of-sequence token, or -1; EOS lists the tokens that
	// end generation (generation_config.json's when it has one).
	BOS int
	EOS []int
	// DType is the dtype the weights were saved in ("float32", "bfloat16", …),
	// as config.json says, or for a GGUF file its tensor types ("GGUF Q4_1
	// ×210, F32 ×61, Q8_0 ×1"); the model computes in float32 whatever it is.
	DType string
}

// RopeScaling is Llama 3's frequency-dependent scaling of rotary positions.
type RopeScaling struct {
	Type                          string  // Always "llama3".
	Factor                        float64 // How much longer the context is than in pre-training.
	LowFreqFactor                 float64
	HighFreqFactor                float64
	OriginalMaxPositionEmbeddings int
}

// rawConfig is config.json as transformers writes it: rope settings either
// at the top level (rope_theta, rope_scaling: transformers 4 and the hub) or
// in rope_parameters (transformers 5).
type rawConfig struct {
	ModelType             string          `json:"model_type"`
	HiddenSize            int             `json:"hidden_size"`
	IntermediateSize      int             `json:"intermediate_size"`
	NumHiddenLayers       int             `json:"num_hidden_layers"`
	NumAttentionHeads     int             `json:"num_attention_heads"`
	NumKeyValueHeads      *int            `json:"num_key_value_heads"`
	HeadDim               *int            `json:"head_dim"`
	VocabSize             int             `json:"vocab_size"`
	RMSNormEps            *float64        `json:"rms_norm_eps"`
	RopeTheta             *float64        `json:"rope_theta"`
	RopeScaling           json.RawMessage `json:"rope_scaling"`
	RopeParameters        json.RawMessage `json:"rope_parameters"`
	MaxPositionEmbeddings int             `json:"max_position_embeddings"`
	TieWordEmbeddings     *bool           `json:"tie_word_embeddings"`
	HiddenAct             string          `json:"hidden_act"`
	AttentionBias         bool            `json:"attention_bias"`
	MLPBias               bool            `json:"mlp_bias"`
	BOSTokenID            json.RawMessage `json:"bos_token_id"`
	EOSTokenID            json.RawMessage `json:"eos_token_id"`
	DType                 string          `json:"dtype"`
	TorchDType            string          `json:"torch_dtype"`
}

type rawRope struct {
	RopeType                      string   `json:"rope_type"`
	Type                          string   `json:"type"` // Older spelling of rope_type.
	RopeTheta                     *float64 `json:"rope_theta"`
	Factor                        float64  `json:"factor"`
	LowFreqFactor                 float64  `json:"low_freq_factor"`
	HighFreqFactor                float64  `json:"high_freq_factor"`
	OriginalMaxPositionEmbeddings int      `json:"original_max_position_embeddings"`
}

// ReadConfig reads dir/config.json, and dir/generation_config.json when it
// exists for the tokens that end generation, and validates them.
func ReadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("llama: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("llama %s: %w", path, err)
	}
	genPath := filepath.Join(dir, "generation_config.json")
	data, err = os.ReadFile(genPath)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("llama: %w", err)
	}
	var gen struct {
		EOSTokenID json.RawMessage `json:"eos_token_id"`
	}
	if err := json.Unmarshal(data, &gen); err != nil {
		return Config{}, fmt.Errorf("llama %s: %w", genPath, err)
	}
	if eos, err := tokenIDs(gen.EOSTokenID); err != nil {
		return Config{}, fmt.Errorf("llama %s: eos_token_id: %w", genPath, err)
	} else if eos != nil {
		c.EOS = eos
	}
	return c, nil
}

// ParseConfig parses and validates the contents of a config.json.
func ParseConfig(data []byte) (Config, error) {
	var r rawConfig
	if err := json.Unmarshal(data, &r); err != nil {
		return Config{}, err
	}
	if r.ModelType != "" && r.ModelType != "llama" {
		return Config{}, fmt.Errorf("model_type %q is not supported: golora runs the LLaMA architecture (model_type \"llama\")", r.ModelType)
	}
	if r.HiddenAct != "" && r.HiddenAct != "silu" {
		return Config{}, fmt.Errorf("hidden_act %q is not supported: LLaMA uses \"silu\"", r.HiddenAct)
	}
	if r.AttentionBias || r.MLPBias {
		return Config{}, errors.New("attention_bias and mlp_bias must be false: linear layers with biases are not supported")
	}
	c := Config{
		HiddenSize:            r.HiddenSize,
		IntermediateSize:      r.IntermediateSize,
		NumLayers:             r.NumHiddenLayers,
		NumHeads:              r.NumAttentionHeads,
		NumKVHeads:            r.NumAttentionHeads,
		VocabSize:             r.VocabSize,
		RMSNormEps:            1e-6,
		RopeTheta:             10000,
		MaxPositionEmbeddings: r.MaxPositionEmbeddings,
		TieWordEmbeddings:     r.TieWordEmbeddings != nil && *r.TieWordEmbeddings,
		BOS:                   -1,
		DType:                 r.DType,
	}
	if c.DType == "" {
		c.DType = r.TorchDType
	}
	if c.DType == "" {
		c.DType = "float32"
	}
	if r.NumKeyValueHeads != nil {
		c.NumKVHeads = *r.NumKeyValueHeads
	}
	if r.RMSNormEps != nil {
		c.RMSNormEps = *r.RMSNormEps
	}
	if r.RopeTheta != nil {
		c.RopeTheta = *r.RopeTheta
	}
	if c.NumHeads > 0 {
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if r.HeadDim != nil {
		c.HeadDim = *r.HeadDim
	}
	rope := r.RopeParameters
	if isNull(rope) {
		rope = r.RopeScaling
	}
	if !isNull(rope) {
		scaling, theta, err := parseRope(rope)
		if err != nil {
			return Config{}, err
		}
		c.RopeScaling = scaling
		if theta != nil {
			c.RopeTheta = *theta
		}
	}
	var err error
	if ids, err := tokenIDs(r.BOSTokenID); err != nil {
		return Config{}, fmt.Errorf("bos_token_id: %w", err)
	} else if len(ids) > 0 {
		c.BOS = ids[0]
	}
	if c.EOS, err = tokenIDs(r.EOSTokenID); err != nil {
		return Config{}, fmt.Errorf("eos_token_id: %w", err)
	}
	return c, c.Validate()
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// parseRope reads rope_parameters or rope_scaling.
func parseRope(raw json.RawMessage) (*RopeScaling, *float64, error) {
	var r rawRope
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, nil, fmt.Errorf("rope settings: %w", err)
	}
	kind := r.RopeType
	if kind == "" {
		kind = r.Type
	}
	switch kind {
	case "", "default":
		return nil, r.RopeTheta, nil
	case "llama3":
		return &RopeScaling{
			Type:                          kind,
			Factor:                        r.Factor,
			LowFreqFactor:                 r.LowFreqFactor,
			HighFreqFactor:                r.HighFreqFactor,
			OriginalMaxPositionEmbeddings: r.OriginalMaxPositionEmbeddings,
		}, r.RopeTheta, nil
	}
	return nil, nil, fmt.Errorf("rope_type %q is not supported: golora supports plain RoPE and \"llama3\" scaling", kind)
}

// tokenIDs reads a token id field that may be null, a number or a list.
func tokenIDs(raw json.RawMessage) ([]int, error) {
	if isNull(raw) {
		return nil, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return []int{one}, nil
	}
	var many []int
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("want a token id or a list of them, got %s", raw)
	}
	return many, nil
}

// Validate checks that c describes a model golora can run.
func (c Config) Validate() error {
	for _, f := range []struct {
		name  string
		value int
	}{
		{"hidden_size", c.HiddenSize}, {"intermediate_size", c.IntermediateSize},
		{"num_hidden_layers", c.NumLayers}, {"num_attention_heads", c.NumHeads},
		{"num_key_value_heads", c.NumKVHeads}, {"head_dim", c.HeadDim},
		{"vocab_size", c.VocabSize}, {"max_position_embeddings", c.MaxPositionEmbeddings},
	} {
		if f.value <= 0 {
			return fmt.Errorf("%s must be positive, got %d", f.name, f.value)
		}
	}
	if c.NumHeads%c.NumKVHeads != 0 {
		return fmt.Errorf("num_attention_heads (%d) must be a multiple of num_key_value_heads (%d)", c.NumHeads, c.NumKVHeads)
	}
	if c.HeadDim%2 != 0 {
		return fmt.Errorf("head_dim must be even for rotary embeddings, got %d", c.HeadDim)
	}
	if !(c.RMSNormEps > 0) || !(c.RopeTheta > 0) || math.IsInf(c.RopeTheta, 0) {
		return fmt.Errorf("rms_norm_eps (%g) and rope_theta (%g) must be positive", c.RMSNormEps, c.RopeTheta)
	}
	if s := c.RopeScaling; s != nil {
		if !(s.Factor > 0) || !(s.LowFreqFactor > 0) || !(s.HighFreqFactor > s.LowFreqFactor) || s.OriginalMaxPositionEmbeddings <= 0 {
			return fmt.Errorf("llama3 rope scaling needs factor > 0, 0 < low_freq_factor < high_freq_factor and original_max_position_embeddings > 0, got %+v", *s)
		}
	}
	for _, id := range append([]int{c.BOS}, c.EOS...) {
		if id < -1 || id >= c.VocabSize {
			return fmt.Errorf("special token id %d is outside the vocabulary of %d", id, c.VocabSize)
		}
	}
	return nil
}

// NumParameters returns the number of weights of a model with this
// configuration (the LM head counted once when tied).
func (c Config) NumParameters() int64 {
	d, h, kv, hd := int64(c.HiddenSize), int64(c.NumHeads), int64(c.NumKVHeads), int64(c.HeadDim)
	layer := d*h*hd*2 + d*kv*hd*2 + 3*d*int64(c.IntermediateSize) + 2*d
	n := int64(c.NumLayers)*layer + int64(c.VocabSize)*d + d
	if !c.TieWordEmbeddings {
		n += int64(c.VocabSize) * d
	}
	return n
}
