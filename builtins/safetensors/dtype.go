package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// DType is a tensor element type as the safetensors header spells it.
type DType string

// The element types this package reads and writes.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
)

// Size returns the number of bytes of one element, or 0 for a dtype this
// package does not support.
func (d DType) Size() int {
	switch d {
	case F64, I64:
		return 8
	case F32, I32:
		return 4
	case F16, BF16:
		return 2
	}
	return 0
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool {
	return d == F64 || d == F32 || d == F16 || d == BF16
}

// decodeFloat32 converts little-endian elements of dtype d from src into
// dst; len(src) must be len(dst)*d.Size().
func decodeFloat32(d DType, src []byte, dst []float32) {
	le := binary.LittleEndian
	switch d {
	case F32:
		for i := range dst {
			dst[i] = math.Float32frombits(le.Uint32(src[4*i:]))
		}
	case F64:
		for i := range dst {
			dst[i] = float32(math.Float64frombits(le.Uint64(src[8*i:])))
		}
	case F16:
		for i := range dst {
			dst[i] = HalfToFloat32(le.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range dst {
			dst[i] = BFloat16ToFloat32(le.Uint16(src[2*i:]))
		}
	case I64:
		for i := range dst {
			dst[i] = float32(int64(le.Uint64(src[8*i:])))
		}
	case I32:
		for i := range dst {
			dst[i] = float32(int32(le.Uint32(src[4*i:])))
		}
	default:
		panic(fmt.Sprintf("safetensors: decodeFloat32 of unsupported dtype %q", d))
	}
}

// decodeInt64 converts little-endian integer elements of dtype d (I64 or
// I32) from src into dst.
func decodeInt64(d DType, src []byte, dst []int64) {
	le := binary.LittleEndian
	switch d {
	case I64:
		for i := range dst {
			dst[i] = int64(le.Uint64(src[8*i:]))
		}
	case I32:
		for i := range dst {
			dst[i] = int64(int32(le.Uint32(src[4*i:])))
		}
	default:
		panic(fmt.Sprintf("safetensors: decodeInt64 of unsupported dtype %q", d))
	}
}

// HalfToFloat32 converts IEEE 754 half-precision bits to a float32, exactly
// (every half value is a float32 value), subnormals, infinities and NaN
// included.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN: keep the payload.
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp != 0: // Normal: rebias the exponent from 15 to 127.
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: mant × 2⁻²⁴, a normal float32.
	v := float32(mant) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// Float32ToHalf converts f to IEEE 754 half precision, rounding to nearest
// even; values beyond the half range become infinities.
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff { // Inf or NaN; keep NaN quiet and non-zero.
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign // Underflows to zero, even after rounding.
		}
		// Subnormal: shift the mantissa with its implicit bit into place.
		m := mant | 0x800000
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		rest := m & (1<<shift - 1)
		r := m >> shift
		if rest > half || (rest == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && r&1 == 1) {
		r++ // May carry into the exponent, up to infinity: that is correct.
	}
	return sign | uint16(r)
}

// BFloat16ToFloat32 converts bfloat16 bits to a float32, exactly.
func BFloat16ToFloat32(h uint16) float32 {
	return math.Float32frombits(uint32(h) << 16)
}

// Float32ToBFloat16 converts f to bfloat16, rounding to nearest even; NaN
// stays NaN.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}
