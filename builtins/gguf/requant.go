package gguf

import (
	"fmt"
	"math"
	"slices"
)

// grid is how a block type maps its codes to values: x = d·(q − offset)
// for the symmetric types, x = d·q + m for those with a minimum, q in
// lo…hi; the block starts with the half scale d (and the half minimum m).
type grid struct {
	bits   int // 4, 5 or 8
	minmax bool
	offset int
	lo, hi int
}

var grids = map[Type]grid{
	TypeQ8_0: {bits: 8, lo: -128, hi: 127},
	TypeQ4_0: {bits: 4, offset: 8, hi: 15},
	TypeQ5_0: {bits: 5, offset: 16, hi: 31},
	TypeQ4_1: {bits: 4, minmax: true, hi: 15},
	TypeQ5_1: {bits: 5, minmax: true, hi: 31},
}

// Requantize encodes values as type t on the grids of base, which encodes
// as many values in t: each block keeps base's scale (and, in Q4_1 and
// Q5_1, its minimum), and each value becomes the nearest value of that
// block's grid, the grid's ends for values beyond them. A value equal to
// base's dequantized one keeps its code, so a small change to a quantized
// matrix (a merged LoRA adapter) changes the codes of the weights it moves
// by more than half a step and no others, where Quantize would quantize
// the matrix afresh and move every weight by up to half a step. A block
// whose scale is zero is quantized afresh. For F32, F16 and BF16, which
// have no grid, Requantize is Quantize.
func Requantize(t Type, base []byte, values []float32) ([]byte, error) {
	g, ok := grids[t]
	if !ok {
		return Quantize(t, values)
	}
	n, err := t.Bytes(len(values))
	if err != nil {
		return nil, err
	}
	if len(base) != n {
		return nil, fmt.Errorf("gguf: requantize: %d bytes of %s for %d values, want %d", len(base), t, len(values), n)
	}
	bytes := n / (len(values) / 32)
	header := 2
	if g.minmax {
		header = 4
	}
	dst := slices.Clone(base)
	var q [32]uint8
	for b := range len(values) / 32 {
		x, blk := values[b*32:(b+1)*32], dst[b*bytes:(b+1)*bytes]
		d := half(blk)
		if d == 0 {
			quantizers[t](blk, x)
			continue
		}
		m := -d * float32(g.offset)
		if g.minmax {
			m = half(blk[2:])
		}
		for i, v := range x {
			c := int(math.Round(float64((v - m) / d)))
			c = min(g.hi, max(g.lo, c))
			if g.bits == 8 {
				blk[header+i] = byte(int8(c))
				continue
			}
			q[i] = uint8(c)
		}
		if g.bits < 8 {
			packCodes(blk[header:], &q, g.bits)
		}
	}
	return dst, nil
}
