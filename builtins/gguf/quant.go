package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/golora/golora/builtins/safetensors"
)

// quantizers encodes float32 values as each type that Quantize writes;
// len(values) is a whole number of blocks and dst has room for them.
var quantizers = map[Type]func(dst []byte, values []float32){
	TypeF32:  quantF32,
	TypeF16:  quantF16,
	TypeBF16: quantBF16,
	TypeQ8_0: quantQ8_0,
	TypeQ4_0: quantSymmetric(4),
	TypeQ4_1: quantMinMax(4),
	TypeQ5_0: quantSymmetric(5),
	TypeQ5_1: quantMinMax(5),
}

// Quantize encodes values as type t: F32, F16 and BF16 (rounding to nearest
// even), or Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 as ggml's reference quantizers
// (quantize_row_q8_0_ref, …) and the gguf Python package do, byte for byte.
// The number of values must be a whole number of blocks of t. The K-quants
// and the importance-matrix types are not written: llama.cpp's
// llama-quantize makes them from an F16 or Q8_0 file.
func Quantize(t Type, values []float32) ([]byte, error) {
	quant := quantizers[t]
	if quant == nil {
		return nil, fmt.Errorf("gguf: cannot quantize to %s: golora writes %s; make other types from an F16 or Q8_0 file with llama.cpp's llama-quantize", t, quantizableList())
	}
	n, err := t.Bytes(len(values))
	if err != nil {
		return nil, err
	}
	dst := make([]byte, n)
	quant(dst, values)
	return dst, nil
}

// CanQuantize reports whether Quantize encodes type t.
func (t Type) CanQuantize() bool { return quantizers[t] != nil }

// quantizableList names the types that Quantize writes, in table order.
func quantizableList() string {
	var names []string
	for t := range Type(len(typeInfos)) {
		if t.CanQuantize() {
			names = append(names, t.String())
		}
	}
	return strings.Join(names, ", ")
}

func quantF32(dst []byte, values []float32) {
	for i, v := range values {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
	}
}

func quantF16(dst []byte, values []float32) {
	for i, v := range values {
		binary.LittleEndian.PutUint16(dst[2*i:], safetensors.Float32ToHalf(v))
	}
}

func quantBF16(dst []byte, values []float32) {
	for i, v := range values {
		binary.LittleEndian.PutUint16(dst[2*i:], safetensors.Float32ToBFloat16(v))
	}
}

// quantQ8_0 scales each block of 32 by d = max|x|/127, stored as a half,
// and rounds x/d (x times the float32 reciprocal of d, as ggml computes it)
// half away from zero.
func quantQ8_0(dst []byte, values []float32) {
	const bytes = 2 + 32
	for b := range len(values) / 32 {
		x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
		var amax float32
		for _, v := range x {
			amax = max(amax, float32(math.Abs(float64(v))))
		}
		d := amax / 127
		var id float32
		if d != 0 {
			id = 1 / d
		}
		binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
		for i, v := range x {
			blk[2+i] = byte(int8(math.Round(float64(v * id))))
		}
	}
}

// The 4- and 5-bit quantizers below compute in float32 as ggml's reference
// quantizers do; each product is converted to float32 explicitly so that
// the compiler does not fuse it with the addition that follows.

// absMax returns the value of a block with the largest magnitude, the
// first such one, with its sign (so, as NumPy's argmax has it, x[0] when
// the block is all zeros, which gives d the sign of −x[0]).
func absMax(x []float32) float32 {
	m := x[0]
	amax := float32(math.Abs(float64(m)))
	for _, v := range x[1:] {
		if a := float32(math.Abs(float64(v))); a > amax {
			amax, m = a, v
		}
	}
	return m
}

// minMax returns the smallest and largest value of a block, the first of
// equal ones as ggml's loop has it (a block of +0 and −0 keeps the sign of
// the first zero; NumPy's vectorised min, and so gguf.quants, may keep
// either, so the minimum stored for such a block can differ from the gguf
// package's in the sign of zero, which changes no dequantized value but
// that of a zero).
func minMax(x []float32) (lo, hi float32) {
	lo, hi = x[0], x[0]
	for _, v := range x[1:] {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}

// reciprocal returns 1/d, or 0 for d = 0.
func reciprocal(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

// code truncates v toward zero and caps it at top, as ggml's
// MIN(top, (int8_t)v) does for the non-negative v the quantizers make.
func code(v float32, top uint8) uint8 { return min(top, uint8(v)) }

// packCodes writes a block's 32 codes of 4 or 5 bits after its scales:
// for 5 bits first the fifth bits, bit i for q[i], as a little-endian
// uint32; then the low four bits of q[0:16] in the low nibbles of 16 bytes
// and those of q[16:32] in the high ones.
func packCodes(dst []byte, q *[32]uint8, bits int) {
	if bits == 5 {
		var h uint32
		for i, v := range q {
			h |= uint32(v>>4&1) << i
		}
		binary.LittleEndian.PutUint32(dst, h)
		dst = dst[4:]
	}
	for j := range 16 {
		dst[j] = q[j]&0x0f | q[j+16]<<4
	}
}

// quantSymmetric returns the quantizer of Q4_0 (bits 4) or Q5_0 (bits 5):
// each block of 32 is scaled by d = m/−h, m its value of largest magnitude
// and h = 2^(bits−1), so that m becomes −h, and stores q = x/d + h in
// 0…2^bits − 1 after d.
func quantSymmetric(bits int) func(dst []byte, values []float32) {
	half, top := float32(int(1)<<(bits-1)), uint8(1<<bits-1)
	bytes := 2 + 4*(bits-4) + 16
	return func(dst []byte, values []float32) {
		var q [32]uint8
		for b := range len(values) / 32 {
			x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
			d := absMax(x) / -half
			id := reciprocal(d)
			for i, v := range x {
				q[i] = code(float32(v*id)+(half+0.5), top)
			}
			binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
			packCodes(blk[2:], &q, bits)
		}
	}
}

// quantMinMax returns the quantizer of Q4_1 (bits 4) or Q5_1 (bits 5):
// each block of 32 is mapped from its minimum m to its maximum onto
// 0…2^bits − 1, d = (max−m)/(2^bits − 1), q = (x−m)/d rounded, stored after
// d and m.
func quantMinMax(bits int) func(dst []byte, values []float32) {
	top := uint8(1<<bits - 1)
	bytes := 2 + 2 + 4*(bits-4) + 16
	return func(dst []byte, values []float32) {
		var q [32]uint8
		for b := range len(values) / 32 {
			x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
			lo, hi := minMax(x)
			d := (hi - lo) / float32(top)
			id := reciprocal(d)
			for i, v := range x {
				q[i] = code(float32((v-lo)*id)+0.5, top)
			}
			binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
			binary.LittleEndian.PutUint16(blk[2:], safetensors.Float32ToHalf(lo))
			packCodes(blk[4:], &q, bits)
		}
	}
}
