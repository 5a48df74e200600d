package gguf

import "fmt"

// llama.cpp's converter reorders the rows of a llama model's query and key
// weights (attn_q, attn_k, and the lora_b of an adapter of them): Hugging
// Face's rotary embedding rotates the two halves of each head, ggml's
// interleaved pairs. Within each head of d rows, for i in {0, 1} and
// j < d/2, GGUF row 2j + i holds Hugging Face row i·d/2 + j.

// PermuteQK writes into dst the rows of src, a Hugging Face query or key
// weight of heads heads (the key's KV heads) and rows of cols values, in
// llama.cpp's order, as convert_hf_to_gguf.py's LlamaModel.permute does.
// dst and src must have the same length, a multiple of heads·cols whose
// rows per head are even, and must not overlap; PermuteQK panics
// otherwise.
func PermuteQK(dst, src []float32, heads, cols int) {
	permuteQK(dst, src, heads, cols, false)
}

// UnpermuteQK undoes PermuteQK: src holds a GGUF file's query or key rows,
// dst gets Hugging Face's.
func UnpermuteQK(dst, src []float32, heads, cols int) {
	permuteQK(dst, src, heads, cols, true)
}

// UnpermuteQKBlocks is UnpermuteQK on a quantized tensor's bytes: rows of
// rowBytes bytes each (a row of a block type is whole blocks, so rows move
// whole).
func UnpermuteQKBlocks(dst, src []byte, heads, rowBytes int) {
	permuteQK(dst, src, heads, rowBytes, true)
}

// permuteQK moves Hugging Face row h·d + i·d/2 + j to GGUF row h·d + 2j + i,
// or back when undo is set.
func permuteQK[T any](dst, src []T, heads, cols int, undo bool) {
	if len(dst) != len(src) || heads <= 0 || cols <= 0 || len(src)%(heads*cols) != 0 || len(src)/(heads*cols)%2 != 0 {
		panic(fmt.Sprintf("gguf: permuting %d values into %d as %d heads of rows of %d: want equal lengths, a multiple of heads·cols, an even number of rows per head", len(src), len(dst), heads, cols))
	}
	d := len(src) / cols / heads
	for h := range heads {
		for i := range 2 {
			for j := range d / 2 {
				hf := (h*d + i*d/2 + j) * cols
				gg := (h*d + 2*j + i) * cols
				if undo {
					copy(dst[hf:hf+cols], src[gg:gg+cols])
				} else {
					copy(dst[gg:gg+cols], src[hf:hf+cols])
				}
			}
		}
	}
}
