package gguf

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/golora/golora/builtins/safetensors"
)

// dequantizers converts whole blocks of each supported type: src holds
// len(dst)/BlockSize blocks. Each formula rounds to float32 after every
// operation, in the order ggml's reference code and the gguf Python package
// use, so that the results are theirs bit for bit (the explicit float32
// conversions keep the compiler from fusing a multiply and an add).
var dequantizers = map[Type]func(dst []float32, src []byte){
	TypeF32:  dequantF32,
	TypeF16:  dequantF16,
	TypeBF16: dequantBF16,
	TypeQ8_0: dequantQ8_0,
	TypeQ4_0: dequantQ4_0,
	TypeQ4_1: dequantQ4_1,
	TypeQ5_0: dequantQ5_0,
	TypeQ5_1: dequantQ5_1,
	TypeQ4_K: dequantQ4_K,
	TypeQ5_K: dequantQ5_K,
	TypeQ6_K: dequantQ6_K,
}

// Dequantize converts n elements of type t, stored in data, to float32.
// data must hold exactly n elements, a whole number of blocks.
func Dequantize(t Type, data []byte, n int) ([]float32, error) {
	if err := checkDequantize(t, len(data), n); err != nil {
		return nil, err
	}
	dst := make([]float32, n)
	dequantizers[t](dst, data)
	return dst, nil
}

// checkDequantize checks that t can be dequantized and that size bytes hold
// n elements of it.
func checkDequantize(t Type, size, n int) error {
	if !t.CanDequantize() {
		return fmt.Errorf("gguf: %w", unsupportedError(t))
	}
	want, err := t.Bytes(n)
	if err != nil {
		return err
	}
	if size != want {
		return fmt.Errorf("gguf: %d elements of %s take %d bytes, not %d", n, t, want, size)
	}
	return nil
}

// unsupportedError says that t cannot be dequantized and what to do.
func unsupportedError(t Type) error {
	return fmt.Errorf("type %s: golora reads %s; convert the model with llama.cpp's llama-quantize to one of them", t, supportedList())
}

func half(b []byte) float32 { return safetensors.HalfToFloat32(binary.LittleEndian.Uint16(b)) }

func dequantF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
	}
}

func dequantF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = half(src[2*i:])
	}
}

func dequantBF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = safetensors.BFloat16ToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

// Q8_0: a half scale d, then 32 signed bytes q; x = q·d.
func dequantQ8_0(dst []float32, src []byte) {
	const bytes = 2 + 32
	for b := range len(dst) / 32 {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*32:(b+1)*32]
		d := half(blk)
		for i, q := range blk[2:] {
			y[i] = float32(int8(q)) * d
		}
	}
}

// Q4_0: a half scale d, then 16 bytes whose low nibbles are elements 0–15
// and high nibbles elements 16–31; x = (q−8)·d.
func dequantQ4_0(dst []float32, src []byte) {
	const bytes = 2 + 16
	for b := range len(dst) / 32 {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*32:(b+1)*32]
		d := half(blk)
		for j, q := range blk[2:] {
			y[j] = float32(int(q&0xf)-8) * d
			y[j+16] = float32(int(q>>4)-8) * d
		}
	}
}

// Q4_1: half scale d and minimum m, then nibbles as in Q4_0; x = q·d + m.
func dequantQ4_1(dst []float32, src []byte) {
	const bytes = 2 + 2 + 16
	for b := range len(dst) / 32 {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*32:(b+1)*32]
		d, m := half(blk), half(blk[2:])
		for j, q := range blk[4:] {
			y[j] = float32(float32(q&0xf)*d) + m
			y[j+16] = float32(float32(q>>4)*d) + m
		}
	}
}

// Q5_0: a half scale d, a little-endian uint32 whose bit i is the fifth bit
// of element i, then nibbles as in Q4_0; x = (q−16)·d.
func dequantQ5_0(dst []float32, src []byte) {
	const bytes = 2 + 4 + 16
	for b := range len(dst) / 32 {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*32:(b+1)*32]
		d := half(blk)
		qh := binary.LittleEndian.Uint32(blk[2:])
		for j, q := range blk[6:] {
			lo := int(q&0xf) | int(qh>>j&1)<<4
			hi := int(q>>4) | int(qh>>(j+16)&1)<<4
			y[j] = float32(lo-16) * d
			y[j+16] = float32(hi-16) * d
		}
	}
}

// Q5_1: half scale d and minimum m, then the fifth bits and nibbles as in
// Q5_0; x = q·d + m.
func dequantQ5_1(dst []float32, src []byte) {
	const bytes = 2 + 2 + 4 + 16
	for b := range len(dst) / 32 {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*32:(b+1)*32]
		d, m := half(blk), half(blk[2:])
		qh := binary.LittleEndian.Uint32(blk[4:])
		for j, q := range blk[8:] {
			lo := q&0xf | byte(qh>>j&1)<<4
			hi := q>>4 | byte(qh>>(j+16)&1)<<4
			y[j] = float32(float32(lo)*d) + m
			y[j+16] = float32(float32(hi)*d) + m
		}
	}
}

// scaleMin unpacks the 6-bit scale and minimum of sub-block j (0–7) from
// the 12 bytes that Q4_K and Q5_K pack them in: sub-blocks 0–3 take the low
// six bits of bytes j and j+4; sub-blocks 4–7 take a nibble of byte j+4 for
// their low four bits and the top two bits of bytes j−4 and j for their high
// two.
func scaleMin(j int, s []byte) (sc, m float32) {
	if j < 4 {
		return float32(s[j] & 63), float32(s[j+4] & 63)
	}
	return float32(s[j+4]&0xf | s[j-4]>>6<<4), float32(s[j+4]>>4 | s[j]>>6<<4)
}

// Q4_K: a 256-element super-block of eight 32-element sub-blocks: half
// scales d and dmin, 12 bytes of packed 6-bit sub-block scales and minimums,
// then 128 bytes of nibbles: each 32 bytes hold two sub-blocks, the first in
// the low nibbles. x = q·(d·sc) − dmin·m.
func dequantQ4_K(dst []float32, src []byte) {
	const bytes = 2 + 2 + 12 + qk/2
	for b := range len(dst) / qk {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*qk:(b+1)*qk]
		d, dmin := half(blk), half(blk[2:])
		scales, qs := blk[4:16], blk[16:]
		for j := range 8 {
			sc, m := scaleMin(j, scales)
			d1, m1 := d*sc, dmin*m
			chunk, shift := qs[j/2*32:j/2*32+32], uint(j%2*4)
			for l, q := range chunk {
				y[j*32+l] = float32(float32(q>>shift&0xf)*d1) - m1
			}
		}
	}
}

// Q5_K: as Q4_K, with 32 bytes between the scales and the nibbles whose bit
// j of byte l is the fifth bit of element l of sub-block j.
func dequantQ5_K(dst []float32, src []byte) {
	const bytes = 2 + 2 + 12 + qk/8 + qk/2
	for b := range len(dst) / qk {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*qk:(b+1)*qk]
		d, dmin := half(blk), half(blk[2:])
		scales, qh, qs := blk[4:16], blk[16:48], blk[48:]
		for j := range 8 {
			sc, m := scaleMin(j, scales)
			d1, m1 := d*sc, dmin*m
			chunk, shift := qs[j/2*32:j/2*32+32], uint(j%2*4)
			for l, q := range chunk {
				v := q>>shift&0xf | qh[l]>>j&1<<4
				y[j*32+l] = float32(float32(v)*d1) - m1
			}
		}
	}
}

// Q6_K: 128 bytes of low nibbles, 64 bytes of high bit pairs, 16 signed
// byte scales (one per 16 elements), then a half scale d. Each half of the
// super-block (128 elements) uses 64 low-nibble bytes and 32 high-bit bytes:
// element 32k+l of the half takes nibble k/2 of low byte 32·(k%2)+l and bits
// 2k, 2k+1 of high byte l. x = (q−32)·(d·scale).
func dequantQ6_K(dst []float32, src []byte) {
	const bytes = qk/2 + qk/4 + qk/16 + 2
	for b := range len(dst) / qk {
		blk, y := src[b*bytes:(b+1)*bytes], dst[b*qk:(b+1)*qk]
		d := half(blk[bytes-2:])
		scales := blk[192:208]
		for h := range 2 {
			ql, qh := blk[h*64:h*64+64], blk[128+h*32:128+h*32+32]
			for k := range 4 {
				shift := uint(k / 2 * 4)
				for l := range 32 {
					e := h*128 + k*32 + l
					q := int(ql[k%2*32+l]>>shift&0xf) | int(qh[l]>>(2*k)&3)<<4
					y[e] = float32(q-32) * (d * float32(int8(scales[e/16])))
				}
			}
		}
	}
}
