package llama

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/builtins/tokenizer"
)

// A GGUF file (llama.cpp's format) holds the hyper-parameters as metadata
// under "llama.*", the tokenizer under "tokenizer.*" and the tensors under
// llama.cpp's names. Load maps them to what a Hugging Face folder holds and
// dequantizes every tensor (golora's dequantizers, package gguf), so that
// the model computes what transformers computes on the same file
// (AutoModelForCausalLM.from_pretrained(dir, gguf_file=…), which
// dequantizes with the gguf package).

// ggufLayerNames maps the per-layer tensor names of a llama GGUF
// ("blk.N.attn_q") to Hugging Face's modules ("self_attn.q_proj").
var ggufLayerNames = map[string]string{
	"attn_norm":   "input_layernorm",
	"attn_q":      "self_attn.q_proj",
	"attn_k":      "self_attn.k_proj",
	"attn_v":      "self_attn.v_proj",
	"attn_output": "self_attn.o_proj",
	"ffn_norm":    "post_attention_layernorm",
	"ffn_gate":    "mlp.gate_proj",
	"ffn_up":      "mlp.up_proj",
	"ffn_down":    "mlp.down_proj",
}

// ggufName returns the GGUF tensor name of a Hugging Face weight name, and
// whether there is one.
func ggufName(hf string) (string, bool) {
	switch hf {
	case embedName:
		return "token_embd.weight", true
	case normName:
		return "output_norm.weight", true
	case headName:
		return "output.weight", true
	}
	rest, ok := strings.CutPrefix(hf, "model.layers.")
	if !ok {
		return "", false
	}
	layer, module, ok := strings.Cut(rest, ".")
	if !ok {
		return "", false
	}
	g, ok := hfLayerNames[strings.TrimSuffix(module, ".weight")]
	if !ok {
		return "", false
	}
	return "blk." + layer + "." + g + ".weight", true
}

// hfLayerNames is ggufLayerNames the other way round.
var hfLayerNames = func() map[string]string {
	m := make(map[string]string, len(ggufLayerNames))
	for g, h := range ggufLayerNames {
		m[h] = g
	}
	return m
}()

// ggufPath returns the GGUF file that path names: the file itself, or the
// one .gguf file of a folder that has no config.json. ok is false when path
// is a Hugging Face folder (or names nothing GGUF).
func ggufPath(path string) (file string, ok bool, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", false, nil // Load reports the missing folder as before.
	}
	if !st.IsDir() {
		return path, strings.EqualFold(filepath.Ext(path), ".gguf"), nil
	}
	if _, err := os.Stat(filepath.Join(path, "config.json")); err == nil {
		return "", false, nil
	}
	files, _ := filepath.Glob(filepath.Join(path, "*.gguf"))
	switch len(files) {
	case 0:
		return "", false, nil
	case 1:
		return files[0], true, nil
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = filepath.Base(f)
	}
	return "", false, fmt.Errorf("llama %s: the folder holds %d GGUF files (%s): load one of them by its path", path, len(files), strings.Join(names, ", "))
}

// loadGGUF reads a GGUF file of architecture llama, checking ctx before
// each tensor.
func loadGGUF(ctx context.Context, path string, opts []Options) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	defer f.Close()
	cfg, err := ggufConfig(f)
	if err != nil {
		return nil, err
	}
	m, err := newModel(cfg, path, opts)
	if err != nil {
		return nil, err
	}
	for _, w := range cfg.tensorShapes() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("llama: load %s: %w", path, err)
		}
		if err := m.loadGGUFTensor(f, w.name, w.shape); err != nil {
			return nil, err
		}
	}
	m.tok, m.tokErr = ggufTokenizer(f, cfg.VocabSize)
	m.name, _ = f.String("general.name")
	m.chatTemplate, _ = f.String("tokenizer.chat_template")
	return m, nil
}

// ggufConfig reads the hyper-parameters of a llama GGUF file.
func ggufConfig(f *gguf.File) (Config, error) {
	fail := func(format string, args ...any) (Config, error) {
		return Config{}, fmt.Errorf("llama %s: "+format, append([]any{f.Path()}, args...)...)
	}
	arch, err := f.String("general.architecture")
	if err != nil {
		return fail("%v", err)
	}
	if arch != "llama" {
		return fail("architecture %q: golora runs the llama architecture (LLaMA, Llama 2 and 3, SmolLM, TinyLlama, Mistral without sliding windows…); use a GGUF file of general.architecture llama", arch)
	}
	count := func(key string) (int, error) {
		n, err := f.Uint(key)
		if err != nil {
			return 0, err
		}
		return int(n), nil
	}
	var c Config
	for _, p := range []struct {
		key string
		dst *int
	}{
		{"llama.block_count", &c.NumLayers},
		{"llama.embedding_length", &c.HiddenSize},
		{"llama.feed_forward_length", &c.IntermediateSize},
		{"llama.attention.head_count", &c.NumHeads},
	} {
		if *p.dst, err = count(p.key); err != nil {
			return fail("%v", err)
		}
	}
	c.NumKVHeads = c.NumHeads
	if _, ok := f.Lookup("llama.attention.head_count_kv"); ok {
		if c.NumKVHeads, err = count("llama.attention.head_count_kv"); err != nil {
			return fail("%v", err)
		}
	}
	if c.NumHeads > 0 {
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if _, ok := f.Lookup("llama.attention.key_length"); ok {
		if c.HeadDim, err = count("llama.attention.key_length"); err != nil {
			return fail("%v", err)
		}
	}
	if _, ok := f.Lookup("llama.rope.dimension_count"); ok {
		rot, err := count("llama.rope.dimension_count")
		if err != nil {
			return fail("%v", err)
		}
		if rot != c.HeadDim {
			return fail("llama.rope.dimension_count is %d but the heads have %d dimensions: golora rotates whole heads (partial rotary embeddings are not supported)", rot, c.HeadDim)
		}
	}
	if c.RMSNormEps, err = f.Float("llama.attention.layer_norm_rms_epsilon"); err != nil {
		return fail("%v", err)
	}
	c.RopeTheta = 10000
	if _, ok := f.Lookup("llama.rope.freq_base"); ok {
		if c.RopeTheta, err = f.Float("llama.rope.freq_base"); err != nil {
			return fail("%v", err)
		}
	}
	if kind, err := f.String("llama.rope.scaling.type"); err == nil && kind != "none" {
		return fail("llama.rope.scaling.type %q: golora supports GGUF files without rope scaling (load the Hugging Face folder for Llama 3's scaling)", kind)
	}
	if _, ok := f.Tensor("rope_freqs.weight"); ok {
		return fail("tensor rope_freqs.weight (Llama 3.1's rope scaling): not supported in GGUF files yet; load the model's Hugging Face folder, which golora supports")
	}
	c.MaxPositionEmbeddings = 2048
	if _, ok := f.Lookup("llama.context_length"); ok {
		if c.MaxPositionEmbeddings, err = count("llama.context_length"); err != nil {
			return fail("%v", err)
		}
	}
	embed, ok := f.Tensor("token_embd.weight")
	if !ok {
		return fail("no tensor token_embd.weight: the file is not a complete llama model (an adapter or a vocabulary-only file?)")
	}
	if len(embed.Dims) != 2 {
		return fail("tensor token_embd.weight has %d dimensions, want 2", len(embed.Dims))
	}
	c.VocabSize = embed.Dims[1]
	_, hasHead := f.Tensor("output.weight")
	c.TieWordEmbeddings = !hasHead
	c.BOS, c.EOS = -1, nil
	if id, err := f.Uint("tokenizer.ggml.bos_token_id"); err == nil {
		c.BOS = int(id)
	}
	if id, err := f.Uint("tokenizer.ggml.eos_token_id"); err == nil {
		c.EOS = []int{int(id)}
	}
	c.DType = ggufDType(f)
	if err := c.Validate(); err != nil {
		return fail("%v", err)
	}
	return c, nil
}

// ggufDType describes how a GGUF file stores its tensors, for
// Config.DType: "float16" or "bfloat16" when every matrix is, which
// Options.DType then keeps on a GPU, otherwise the tensor types by count,
// most first ("GGUF Q4_1 ×210, F32 ×61, Q8_0 ×1"): the model summary says
// "stored as" that, and the quantized tensors are dequantized.
func ggufDType(f *gguf.File) string {
	count := map[gguf.Type]int{}
	var types, matrices []gguf.Type
	for _, t := range f.Tensors() {
		if count[t.Type] == 0 {
			types = append(types, t.Type)
		}
		count[t.Type]++
		if len(t.Dims) == 2 && !slices.Contains(matrices, t.Type) {
			matrices = append(matrices, t.Type)
		}
	}
	if len(matrices) == 1 {
		switch matrices[0] {
		case gguf.TypeF16:
			return "float16"
		case gguf.TypeBF16:
			return "bfloat16"
		}
	}
	slices.SortStableFunc(types, func(a, b gguf.Type) int { return count[b] - count[a] })
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = fmt.Sprintf("%s ×%d", t, count[t])
	}
	return "GGUF " + strings.Join(parts, ", ")
}

// loadGGUFTensor stores the GGUF tensor of the Hugging Face weight name,
// llama.cpp's rows of q_proj and k_proj put back in Hugging Face's order: a
// matrix in a block type the graph dequantizes stays in it (or becomes the
// block type Options.Quantize or keepType says), anything else is
// dequantized to the model's float dtype.
func (m *Model) loadGGUFTensor(f *gguf.File, name string, shape []int) error {
	gname, _ := ggufName(name)
	info, ok := f.Tensor(gname)
	if !ok {
		return fmt.Errorf("llama %s: the file has no tensor %q (%s), which a %d-layer llama model needs", m.Dir, gname, name, m.Config.NumLayers)
	}
	where := fmt.Sprintf("llama %s: tensor %q", m.Dir, gname)
	if got := info.Shape(); !slices.Equal(got, shape) {
		return fmt.Errorf("%s has shape %v (GGUF dimensions %v), but the metadata implies %v", where, got, info.Dims, shape)
	}
	heads := 0
	switch {
	case strings.HasSuffix(gname, ".attn_q.weight"):
		heads = m.Config.NumHeads
	case strings.HasSuffix(gname, ".attn_k.weight"):
		heads = m.Config.NumKVHeads
	}
	if to := m.keepType(info.Type, shape); to != 0 {
		var data []byte
		var err error
		if to == info.Type {
			data, err = f.TensorData(gname)
		} else {
			var values []float32
			if values, err = f.Float32(gname); err == nil {
				data, err = gguf.Quantize(to, values)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		if heads > 0 {
			rows := make([]byte, len(data))
			gguf.UnpermuteQKBlocks(rows, data, heads, len(data)/shape[0])
			data = rows
		}
		if err := m.addBlockWeight(name, to, shape[0], shape[1], data); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		return nil
	}
	value, err := newWeight(m.backend, m.dtypeOf(shape), shape, func(flat []float32) error {
		if heads == 0 {
			return f.ReadFloat32(gname, flat)
		}
		rows, err := f.Float32(gname)
		if err != nil {
			return err
		}
		gguf.UnpermuteQK(flat, rows, heads, shape[1])
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	m.addWeight(name, value)
	return nil
}

// keepType returns the block type in which the model keeps a weight of
// this shape stored as t (a GGUF tensor type, or F32 for a Hugging Face
// tensor), or 0 to keep it in its float dtype: see Options.Quantize.
func (m *Model) keepType(t gguf.Type, shape []int) gguf.Type {
	if !isMatrix(shape) || m.dequantizeAll {
		return 0
	}
	to := m.quantizeTo
	if to == 0 {
		switch {
		case blockTypes[t]:
			to = t
		case t == gguf.TypeF32 || t == gguf.TypeF16 || t == gguf.TypeBF16:
			return 0
		default: // The K-quants.
			to = gguf.TypeQ8_0
		}
	}
	if shape[1]%to.BlockSize() != 0 {
		return 0
	}
	return to
}

// ggufTokenizer builds the file's tokenizer from its tokenizer.ggml.*
// metadata (see tokenizer.FromGGUF); the model runs on token ids without
// one.
func ggufTokenizer(f *gguf.File, vocab int) (*tokenizer.Tokenizer, error) {
	v := tokenizer.GGUFVocab{BOS: -1, EOS: -1, UNK: -1, PAD: -1}
	var err error
	if v.Model, err = f.String("tokenizer.ggml.model"); err != nil {
		return nil, err
	}
	if v.Tokens, err = f.Strings("tokenizer.ggml.tokens"); err != nil {
		return nil, err
	}
	// The other keys are optional: absent, a field keeps its "not said".
	has := func(key string) bool { _, ok := f.Lookup(key); return ok }
	var errs []error
	read := func(key string, get func(string) error) {
		if has(key) {
			errs = append(errs, get(key))
		}
	}
	read("tokenizer.ggml.pre", func(k string) (err error) { v.Pre, err = f.String(k); return })
	read("tokenizer.ggml.token_type", func(k string) (err error) { v.Types, err = f.Int32s(k); return })
	read("tokenizer.ggml.scores", func(k string) (err error) { v.Scores, err = f.Float32s(k); return })
	read("tokenizer.ggml.merges", func(k string) (err error) { v.Merges, err = f.Strings(k); return })
	read("general.name", func(k string) (err error) { v.Name, err = f.String(k); return })
	for key, dst := range map[string]*int{"bos": &v.BOS, "eos": &v.EOS, "unknown": &v.UNK, "padding": &v.PAD} {
		read("tokenizer.ggml."+key+"_token_id", func(k string) error {
			n, err := f.Int(k)
			*dst = int(n)
			return err
		})
	}
	for key, dst := range map[string]**bool{"bos_token": &v.AddBOS, "eos_token": &v.AddEOS, "space_prefix": &v.AddSpacePrefix} {
		read("tokenizer.ggml.add_"+key, func(k string) error {
			b, err := f.Bool(k)
			*dst = &b
			return err
		})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	tok, err := tokenizer.FromGGUF(f.Path(), v)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > vocab {
		return nil, fmt.Errorf("tokenizer of %s has %d tokens, more than the model's %d embeddings", f.Path(), tok.VocabSize(), vocab)
	}
	return tok, nil
}
