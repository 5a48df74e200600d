package llama

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
)

// invFrequencies returns RoPE's inverse frequencies θ^(−2i/d) for i < d/2,
// with Llama 3 scaling applied when the config asks for it. It computes in
// float32 step by step as transformers does, so that the angles agree with
// its to the last bit in most positions.
func invFrequencies(c Config) []float32 {
	d := c.HeadDim
	inv := make([]float32, d/2)
	for i := range inv {
		exp := float32(2*i) / float32(d)
		inv[i] = 1 / float32(math.Pow(c.RopeTheta, float64(exp)))
	}
	s := c.RopeScaling
	if s == nil {
		return inv
	}
	// Llama 3: wavelengths longer than the original context divided by
	// low_freq_factor are slowed down by factor; those shorter than the
	// context divided by high_freq_factor are kept; those in between are
	// interpolated.
	factor, low, high := float32(s.Factor), float32(s.LowFreqFactor), float32(s.HighFreqFactor)
	oldLen := float32(s.OriginalMaxPositionEmbeddings)
	lowWavelen, highWavelen := oldLen/low, oldLen/high
	for i, f := range inv {
		wavelen := float32(2*math.Pi) / f
		scaled := f
		if wavelen > lowWavelen {
			scaled = f / factor
		}
		if !(wavelen < highWavelen) && !(wavelen > lowWavelen) {
			smooth := (oldLen/wavelen - low) / (high - low)
			scaled = (1-smooth)*scaled/factor + smooth*scaled
		}
		inv[i] = scaled
	}
	return inv
}

// rope holds cos and sin of the rotary angles for a run of positions,
// shaped [1 or batch, seq, 1, 1, d/2] to broadcast over [batch, seq, heads,
// 2, d/2].
type rope struct {
	cos, sin *Node
	rotate   *Node // The signed swap of the two halves, see apply.
}

// newRope computes the rotary tables for positions, an int32 node [seq]
// shared by every row or [batch, seq] (the positions of packed rows).
func newRope(c Config, positions *Node) rope {
	g := positions.Graph()
	dims := positions.Shape().Dimensions
	rows, seq := 1, dims[len(dims)-1]
	if len(dims) == 2 {
		rows = dims[0]
	}
	half := c.HeadDim / 2
	inv := Const(g, invFrequencies(c))
	angles := Mul(Reshape(ConvertDType(positions, dtypes.Float32), rows, seq, 1), Reshape(inv, 1, 1, half))
	angles = Reshape(angles, rows, seq, 1, 1, half)
	// rotate_half(x) = (−x₂, x₁) for the halves x₁, x₂ of the last axis: a
	// constant signed permutation, applied as a broadcast product with
	// [[0, −1], [1, 0]] over the axis of size 2 that separates the halves.
	// It is exact, and differentiable with the ops simplego has (slicing the
	// halves apart would need Pad in the backward pass).
	rotate := Const(g, [][]float32{{0, -1}, {1, 0}})
	return rope{cos: Cos(angles), sin: Sin(angles), rotate: Reshape(rotate, 1, 1, 1, 2, 2, 1)}
}

// apply rotates x [batch, seq, heads, headDim] as transformers'
// apply_rotary_pos_emb: x·cos + rotate_half(x)·sin.
func (r rope) apply(x *Node) *Node {
	dims := x.Shape().Dimensions
	b, s, h, d := dims[0], dims[1], dims[2], dims[3]
	halves := Reshape(x, b, s, h, 2, d/2)
	rotated := ReduceSum(Mul(r.rotate, Reshape(halves, b, s, h, 1, 2, d/2)), 4)
	out := Add(Mul(halves, r.cos), Mul(rotated, r.sin))
	return Reshape(out, b, s, h, d)
}
