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
	TypeQ4_0: quantQ4_0,
	TypeQ4_1: quantQ4_1,
	TypeQ5_0: quantQ5_0,
	TypeQ5_1: quantQ5_1,
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

// packNibbles writes the low four bits of q[0:16] into the low nibbles of
// 16 bytes and those of q[16:32] into the high ones.
func packNibbles(dst []byte, q *[32]uint8) {
	for j := range 16 {
		dst[j] = q[j]&0x0f | q[j+16]<<4
	}
}

// highBits returns the fifth bit of each of q's 32 codes, bit i for q[i].
func highBits(q *[32]uint8) uint32 {
	var h uint32
	for i, v := range q {
		h |= uint32(v>>4&1) << i
	}
	return h
}

// quantQ4_0 scales each block of 32 by d = m/−8, m its value of largest
// magnitude, so that m becomes −8, and stores q = x/d + 8 in 0–15.
func quantQ4_0(dst []byte, values []float32) {
	const bytes = 2 + 16
	var q [32]uint8
	for b := range len(values) / 32 {
		x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
		d := absMax(x) / -8
		id := reciprocal(d)
		for i, v := range x {
			q[i] = code(float32(v*id)+8.5, 15)
		}
		binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
		packNibbles(blk[2:], &q)
	}
}

// quantQ4_1 maps each block of 32 from its minimum m to its maximum onto
// 0–15: d = (max−m)/15, q = (x−m)/d rounded.
func quantQ4_1(dst []byte, values []float32) {
	const bytes = 2 + 2 + 16
	var q [32]uint8
	for b := range len(values) / 32 {
		x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
		lo, hi := minMax(x)
		d := (hi - lo) / 15
		id := reciprocal(d)
		for i, v := range x {
			q[i] = code(float32((v-lo)*id)+0.5, 15)
		}
		binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
		binary.LittleEndian.PutUint16(blk[2:], safetensors.Float32ToHalf(lo))
		packNibbles(blk[4:], &q)
	}
}

// quantQ5_0 is quantQ4_0 with 5 bits: d = m/−16, q = x/d + 16 in 0–31.
func quantQ5_0(dst []byte, values []float32) {
	const bytes = 2 + 4 + 16
	var q [32]uint8
	for b := range len(values) / 32 {
		x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
		d := absMax(x) / -16
		id := reciprocal(d)
		for i, v := range x {
			q[i] = code(float32(v*id)+16.5, 31)
		}
		binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
		binary.LittleEndian.PutUint32(blk[2:], highBits(&q))
		packNibbles(blk[6:], &q)
	}
}

// quantQ5_1 is quantQ4_1 with 5 bits: d = (max−m)/31.
func quantQ5_1(dst []byte, values []float32) {
	const bytes = 2 + 2 + 4 + 16
	var q [32]uint8
	for b := range len(values) / 32 {
		x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
		lo, hi := minMax(x)
		d := (hi - lo) / 31
		id := reciprocal(d)
		for i, v := range x {
			q[i] = code(float32((v-lo)*id)+0.5, 31)
		}
		binary.LittleEndian.PutUint16(blk, safetensors.Float32ToHalf(d))
		binary.LittleEndian.PutUint16(blk[2:], safetensors.Float32ToHalf(lo))
		binary.LittleEndian.PutUint32(blk[4:], highBits(&q))
		packNibbles(blk[8:], &q)
	}
}
