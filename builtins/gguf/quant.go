package gguf

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/golora/golora/builtins/safetensors"
)

// quantizers encodes float32 values as each type that Quantize writes;
// len(values) is a whole number of blocks and dst has room for them.
var quantizers = map[Type]func(dst []byte, values []float32){
	TypeF32:  quantF32,
	TypeF16:  quantF16,
	TypeBF16: quantBF16,
	TypeQ8_0: quantQ8_0,
}

// Quantize encodes values as type t: F32, F16 and BF16 (rounding to nearest
// even) or Q8_0 (as ggml's reference quantize_row_q8_0 does). The number of
// values must be a whole number of blocks of t.
func Quantize(t Type, values []float32) ([]byte, error) {
	quant := quantizers[t]
	if quant == nil {
		return nil, fmt.Errorf("gguf: cannot quantize to %s: golora writes F32, F16, BF16 and Q8_0", t)
	}
	n, err := t.Bytes(len(values))
	if err != nil {
		return nil, err
	}
	dst := make([]byte, n)
	quant(dst, values)
	return dst, nil
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
