package lora

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/builtins/llama"
)

// SaveGGUF writes the adapter to path as llama.cpp's LoRA adapter file, as
// its convert_lora_to_gguf.py writes one: metadata general.architecture
// "llama", general.type "adapter", adapter.type "lora" and
// adapter.lora.alpha, and for each adapted module of weight
// blk.N.attn_q.weight (…) two F32 tensors, blk.N.attn_q.weight.lora_a (A,
// [r, in]) and .lora_b (B, [out, r]). The rows of B of attn_q and attn_k
// are put in llama.cpp's order, as the base GGUF's weights are. Load it on
// the base model's GGUF file with llama-cli --lora PATH, or
// llama_cpp.Llama(lora_path=PATH).
//
// llama.cpp scales an adapter by alpha/r, r read from lora_b's shape; for
// an rsLoRA adapter, which golora scales by alpha/√r, the file's alpha is
// alpha·√r, so that llama.cpp computes the same. An alpha of 0, which
// llama.cpp reads as "no alpha" (scale 1), is refused. Dropout does not
// apply at inference and is not written. The file is written to a
// temporary name and renamed.
func (a *Adapter) SaveGGUF(path string) (err error) {
	defer recoverTo(&err, "saving "+path)
	if a.Alpha == 0 {
		return fmt.Errorf("lora: saving %s: alpha 0: llama.cpp reads an adapter.lora.alpha of 0 as none and scales by 1, not 0; give the adapter a non-zero alpha", path)
	}
	alpha := a.Alpha
	if a.RSLoRA {
		alpha *= math.Sqrt(float64(a.Rank))
	}
	meta := []gguf.KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "general.type", Value: "adapter"},
		{Key: "general.name", Value: a.Name},
		{Key: "adapter.type", Value: "lora"},
		{Key: "adapter.lora.alpha", Value: float32(alpha)},
	}
	var list []gguf.Tensor
	for _, name := range a.order {
		m := a.modules[name]
		base, ok := llama.GGUFName(name + ".weight")
		if !ok {
			return fmt.Errorf("lora: saving %s: module %s has no GGUF name", path, name)
		}
		av, err := m.a.Value()
		if err != nil {
			return fmt.Errorf("lora: saving %s: %s: %w", path, name, err)
		}
		bv, err := m.b.Value()
		if err != nil {
			return fmt.Errorf("lora: saving %s: %s: %w", path, name, err)
		}
		b := tensors.MustCopyFlatData[float32](bv)
		if heads := a.qkHeads(m.linear.Module); heads > 0 {
			rows := make([]float32, len(b))
			gguf.PermuteQK(rows, b, heads, a.Rank)
			b = rows
		}
		// GGUF dimensions run fastest first: A [r, in] is [in, r].
		ta, err := gguf.NewTensor(base+".lora_a", gguf.TypeF32, []int{m.linear.In, a.Rank}, tensors.MustCopyFlatData[float32](av))
		if err != nil {
			return fmt.Errorf("lora: saving %s: %w", path, err)
		}
		tb, err := gguf.NewTensor(base+".lora_b", gguf.TypeF32, []int{a.Rank, m.linear.Out}, b)
		if err != nil {
			return fmt.Errorf("lora: saving %s: %w", path, err)
		}
		list = append(list, ta, tb)
	}
	if err := gguf.WriteFile(path, meta, list); err != nil {
		return fmt.Errorf("lora: saving %s: %w", path, err)
	}
	return nil
}

// qkHeads returns the number of heads whose rows llama.cpp reorders in a
// module's output: the query's heads for q_proj, the KV heads for k_proj,
// 0 for the others.
func (a *Adapter) qkHeads(module string) int {
	switch module {
	case "q_proj":
		return a.heads[0]
	case "k_proj":
		return a.heads[1]
	}
	return 0
}
