package gguf

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// TestRequantize checks Requantize on each block type with a grid: the
// dequantized base comes back as the base's bytes; a change smaller than
// a third of a step leaves a weight's code alone; every value becomes the
// nearest value of its block's grid (or the grid's end); and changes larger
// than a step move the weights they touch, so that a Requantize that kept
// the base would fail.
func TestRequantize(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	values := make([]float32, 32*64)
	for i := range values {
		values[i] = float32(r.NormFloat64() * 0.05)
	}
	for _, typ := range []Type{TypeQ8_0, TypeQ4_0, TypeQ4_1, TypeQ5_0, TypeQ5_1} {
		t.Run(typ.String(), func(t *testing.T) {
			base, err := Quantize(typ, values)
			if err != nil {
				t.Fatal(err)
			}
			y, err := Dequantize(typ, base, len(values))
			if err != nil {
				t.Fatal(err)
			}
			same, err := Requantize(typ, base, y)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(same, base) {
				t.Fatalf("the base's own values do not come back as its bytes")
			}
			// Every other block changes: by a third of a step (no code may
			// change) or by up to three steps.
			changed := append([]float32(nil), y...)
			step := make([]float32, len(y))
			for b := range len(y) / 32 {
				blk := base[b*len(base)/(len(y)/32):]
				d := float32(math.Abs(float64(half(blk)))) // Negative in Q4_0 and Q5_0.
				for i := b * 32; i < (b+1)*32; i++ {
					step[i] = d
					switch b % 2 {
					case 0:
						changed[i] += float32(r.Float64()*2-1) * d / 3
					default:
						changed[i] += float32(r.Float64()*6-3) * d
					}
				}
			}
			got, err := Requantize(typ, base, changed)
			if err != nil {
				t.Fatal(err)
			}
			z, err := Dequantize(typ, got, len(y))
			if err != nil {
				t.Fatal(err)
			}
			moved := 0
			for i := range z {
				d := step[i]
				if (i/32)%2 == 0 {
					if z[i] != y[i] {
						t.Fatalf("value %d moved by %g, a third of a step at most (step %g), and its code changed: %g → %g", i, changed[i]-y[i], d, y[i], z[i])
					}
					continue
				}
				if z[i] != y[i] {
					moved++
				}
				// z is on the grid: its distance to y is whole steps, and it is
				// the nearest to changed unless changed is beyond the grid's end.
				k := float64((z[i] - y[i]) / d)
				if math.Abs(k-math.Round(k)) > 1e-3 {
					t.Fatalf("value %d: %g is not on the grid of its block (%g from the base's value, step %g)", i, z[i], z[i]-y[i], d)
				}
				if err := math.Abs(float64(z[i] - changed[i])); err > float64(d)*0.501 {
					if !atEnd(z, i, d) {
						t.Fatalf("value %d: %g is %g from the wanted %g, more than half a step (%g)", i, z[i], err, changed[i], d)
					}
				}
			}
			if moved < len(z)/4 {
				t.Errorf("only %d of %d values moved by up to three steps changed", moved, len(z)/2)
			}
		})
	}
	if _, err := Requantize(TypeQ4_1, make([]byte, 3), values); err == nil {
		t.Error("Requantize took a base of the wrong size")
	}
}

// atEnd reports whether z[i] is the largest or the smallest value of its
// block, where a value beyond the grid is clamped.
func atEnd(z []float32, i int, d float32) bool {
	blk := z[i/32*32 : i/32*32+32]
	lo, hi := minMax(blk)
	return z[i] <= lo+d/2 || z[i] >= hi-d/2
}
