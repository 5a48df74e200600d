package gguf

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golora/golora/internal/testfiles"
)

// openSmol opens the SmolLM2 model that testdata/fetch.sh fetches.
func openSmol(t *testing.T) *File {
	t.Helper()
	f, err := Open(testfiles.SmolLM2(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestSmolLM2Metadata checks what the model loader will read from a real
// llama.cpp file.
func TestSmolLM2Metadata(t *testing.T) {
	f := openSmol(t)
	str := func(key, want string) {
		t.Helper()
		if got, err := f.String(key); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", key, got, err, want)
		}
	}
	uint := func(key string, want uint64) {
		t.Helper()
		if got, err := f.Uint(key); err != nil || got != want {
			t.Errorf("%s = %d, %v; want %d", key, got, err, want)
		}
	}
	str("general.architecture", "llama")
	uint("llama.block_count", 30)
	uint("llama.embedding_length", 576)
	uint("llama.attention.head_count", 9)
	uint("llama.attention.head_count_kv", 3)
	uint("llama.feed_forward_length", 1536)
	uint("llama.vocab_size", 49152)
	uint("llama.rope.dimension_count", 64)
	uint("llama.context_length", 8192)
	if got, err := f.Float("llama.rope.freq_base"); err != nil || got != 100000 {
		t.Errorf("rope.freq_base = %v, %v", got, err)
	}
	if got, err := f.Float("llama.attention.layer_norm_rms_epsilon"); err != nil || float32(got) != 1e-5 {
		t.Errorf("rms epsilon = %v, %v", got, err)
	}
	str("tokenizer.ggml.model", "gpt2")
	str("tokenizer.ggml.pre", "smollm")
	uint("tokenizer.ggml.bos_token_id", 1)
	uint("tokenizer.ggml.eos_token_id", 2)
	uint("tokenizer.ggml.padding_token_id", 2)
	if tmpl, err := f.String("tokenizer.chat_template"); err != nil || !strings.Contains(tmpl, "<|im_start|>") {
		t.Errorf("chat template %.60q, %v", tmpl, err)
	}
	tokens, err := f.Strings("tokenizer.ggml.tokens")
	if err != nil || len(tokens) != 49152 || tokens[1] != "<|im_start|>" || tokens[2] != "<|im_end|>" {
		t.Errorf("%d tokens, %v", len(tokens), err)
	}
	types, err := f.Int32s("tokenizer.ggml.token_type")
	if err != nil || len(types) != 49152 {
		t.Errorf("%d token types, %v", len(types), err)
	}
	if merges, err := f.Strings("tokenizer.ggml.merges"); err != nil || len(merges) != 48900 || merges[0] != "Ġ t" {
		t.Errorf("%d merges, %v", len(merges), err)
	}
	count := map[Type]int{}
	for _, info := range f.Tensors() {
		count[info.Type]++
	}
	if len(f.Tensors()) != 272 || count[TypeQ4_1] != 210 || count[TypeF32] != 61 || count[TypeQ8_0] != 1 {
		t.Errorf("%d tensors by type %v", len(f.Tensors()), count)
	}
	if info, _ := f.Tensor("token_embd.weight"); info.Type != TypeQ8_0 || !slices.Equal(info.Dims, []int{576, 49152}) {
		t.Errorf("token_embd.weight: %+v", info)
	}
	if _, ok := f.Tensor("output.weight"); ok {
		t.Error("output.weight present: SmolLM2 ties it to token_embd.weight")
	}
}

// TestSmolLM2MatchesPython compares the whole header with what
// gguf.GGUFReader reads, and the dequantization of tensors of each type in
// the file (Q8_0, Q4_1, F32) with gguf.quants.dequantize: equal, bit for
// bit. gguf.GGUFReader takes about 6 CPU seconds on the 100 000 strings of
// the vocabulary; -short skips the test.
func TestSmolLM2MatchesPython(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the comparison of the SmolLM2 model with gguf.GGUFReader")
	}
	f := openSmol(t)
	names := []string{"token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight",
		"blk.29.ffn_down.weight", "blk.0.attn_norm.weight", "output_norm.weight"}
	dir := t.TempDir()
	ref := dumpReference(t, f.Path(), false, dir, names...)
	if ref.Alignment != f.Alignment() || ref.DataOffset != f.DataOffset() {
		t.Errorf("Python: alignment %d, data at %d; golora: %d, %d", ref.Alignment, ref.DataOffset, f.Alignment(), f.DataOffset())
	}
	sameMetadata(t, f, kvs(t, ref.Metadata))
	checkTensors(t, f, ref.Tensors)
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(dir, name+".f32"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		checkBits(t, name, got, float32s(raw))
	}
}
