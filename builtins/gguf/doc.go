// Package gguf reads and writes GGUF, the model file format of llama.cpp
// and ggml, and dequantizes the tensors it holds to float32, so that golora
// can load a model that someone quantized with llama.cpp and, later, write
// llama.cpp LoRA adapters and merged models.
//
// # The file
//
// A GGUF file is little-endian. It opens with the magic "GGUF", a uint32
// version, the number of tensors and the number of metadata entries (both
// uint64 since version 2). Then come the metadata entries, in order: a key
// (a string: a uint64 byte length, then UTF-8 bytes), a uint32 value type
// and the value: an integer of 8 to 64 bits, a float32 or float64, a bool
// (one byte), a string, or an array (a uint32 element type, a uint64
// count, then the elements; an element may itself be an array). Then one
// info per tensor: its name, a uint32 number of dimensions (at most four),
// a uint64 per dimension with the fastest-varying first (ggml's ne[0]), a
// uint32 ggml type and a uint64 offset into the data section. The data
// section starts at the next multiple of the alignment (general.alignment,
// 32 when absent), and every tensor's offset is a multiple of it.
//
// Open reads versions 2 and 3 (version 1, of 2023, had 32-bit counts) and
// refuses a big-endian file with the command that converts it. It reads
// the header sequentially through an io.ReaderAt and checks every length,
// count and offset against the bytes left in the file before it allocates
// anything, so a truncated or hostile header is an error that names the
// file, the key or tensor, the byte offset and what to do, never a panic or
// an allocation larger than the file justifies. Tensor data is read on
// demand, a tensor (or a megabyte of it) at a time.
//
// Write writes version 3, metadata in the order given, each tensor padded
// to the alignment: for the same metadata and tensors its bytes are those
// of the gguf Python package's GGUFWriter. It encodes float32 values as
// F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0 or Q5_1, the quantized types byte
// for byte as ggml's reference quantizers and gguf.quants.quantize do; the
// K-quants are left to llama.cpp's llama-quantize. PermuteQK and
// UnpermuteQK convert the rows of a query or key weight between Hugging
// Face's order and llama.cpp's (see Shapes and names).
//
// # Tensor types
//
// Dequantize and File.Float32 convert F32, F16, BF16, Q8_0, Q4_0, Q4_1,
// Q5_0, Q5_1, Q4_K, Q5_K and Q6_K, bit for bit as gguf.quants.dequantize
// does. Those are what llama.cpp's common quantizations produce. A Q8_0
// file is Q8_0 throughout; Q4_0, Q4_1, Q5_0 and Q5_1 files are their
// namesake but for the output weight (token_embd when the model ties it),
// which llama-quantize makes Q6_K; Q4_K_M mixes Q4_K with Q6_K (the output
// and some attention-value and feed-forward-down tensors), Q5_K_M mixes
// Q5_K with Q6_K, and Q6_K is Q6_K throughout. A K-quant needs rows that
// are a multiple of 256 values, so llama-quantize stores narrower tensors
// as Q5_0 (for Q4_K), Q5_1 (for Q5_K) or Q8_0 (for Q6_K): SmolLM2-135M,
// 576 wide, quantized to Q4_1, has a Q8_0 token_embd. Norms stay F32, and
// unquantized conversions are F16, BF16 or F32. The importance-matrix types (IQ…),
// Q2_K, Q3_K and the ternary types are named but not dequantized: reading
// one is an error that lists what golora reads.
//
// # Block layouts
//
// Every quantized type stores a tensor as consecutive blocks, row by row;
// scales are IEEE half floats. Within a block, in byte order:
//
// Q8_0 covers 32 values: a scale d and 32 signed bytes q; a value is q·d.
//
// Q4_0 covers 32 values: a scale d, then 16 bytes whose low nibbles are
// values 0–15 and whose high nibbles are values 16–31; a value is (q−8)·d.
// Q4_1 has a scale d and a minimum m before the same nibbles,
// and a value is q·d + m.
//
// Q5_0 and Q5_1 are Q4_0 and Q4_1 with a fifth bit per value: after the
// scale (and minimum) comes a little-endian uint32 whose bit i is the high
// bit of value i, then the nibbles. Q5_0 subtracts 16 instead of 8.
//
// Q4_K covers 256 values in eight sub-blocks of 32: a scale d, a minimum
// scale dmin, 12 bytes that pack eight 6-bit sub-block scales and eight
// 6-bit sub-block minimums, then 128 bytes of nibbles, each 32 bytes
// holding two sub-blocks (the first in the low nibbles). A value of
// sub-block j is q·(d·scale_j) − dmin·min_j. The 12 bytes hold the low six
// bits of scales 0–3 and minimums 0–3 in bytes 0–7; scales and minimums
// 4–7 take their low four bits from the nibbles of bytes 8–11 and their
// high two bits from the top bits of bytes 0–7.
//
// Q5_K is Q4_K with 32 more bytes between the scales and the nibbles: bit
// j of byte l is the high bit of value l of sub-block j.
//
// Q6_K covers 256 values: 128 bytes of low nibbles, 64 bytes of high bit
// pairs, 16 signed byte scales (one per 16 values), then the scale d; a
// value is (q−32)·d·scale. Each half of the block (128 values) has 64 of
// the nibble bytes and 32 of the bit-pair bytes: value 32k+l of a half
// takes its low four bits from nibble k/2 of byte 32·(k mod 2)+l, and its
// high two from bits 2k and 2k+1 of bit-pair byte l.
//
// # Shapes and names
//
// TensorInfo.Dims lists the fastest-varying dimension first, so a PyTorch
// weight of shape [out, in] is stored with Dims [in, out] and its values in
// the same row-major order: Shape reverses Dims. llama.cpp's converter
// renames tensors (token_embd, blk.N.attn_q, …) and, for the llama
// architecture, reorders the rows of the query and key weights, so that
// each head's rotary pairs are adjacent rows rather than rows D/2 apart:
// with head dimension D, for head h (counting the query's heads, or the
// key's KV heads), i in {0, 1} and j < D/2, GGUF row h·D + 2j + i is the
// Hugging Face row h·D + i·D/2 + j. This package returns what the file
// holds and leaves the renaming to the model loader, which reorders the
// rows with UnpermuteQK (and a writer with PermuteQK).
//
// # Why not gguf-parser-go
//
// github.com/gpustack/gguf-parser-go is a well-kept Go parser, but it is
// built to inspect and estimate the memory of local and remote models:
// its package brings an HTTP client (for Hugging Face, ModelScope and
// Ollama registries) and json-iterator along, and it neither dequantizes
// tensors nor writes files. golora needs the opposite: no
// network, tensor values bit-exact with the reference, and a writer.
package gguf
