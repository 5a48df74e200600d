package llama

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestFlashAttentionMatchesScaled checks the arguments golora gives the
// backend's fused attention (the layout, the causal mask, the padding as
// sequence lengths, grouped-query heads, the scale, bfloat16) against
// scaledAttention on the same bfloat16-rounded queries, keys and values,
// through the path a model takes in selfAttention, forward and gradient.
// Only XLA's CUDA plugin runs the fused op (cuDNN's flash attention;
// bench/gpu.sh runs this test there); elsewhere the test checks that
// selfAttention falls back to scaledAttention exactly. Padded query rows are
// left out: no loss reads them, and cuDNN leaves them zero.
func TestFlashAttentionMatchesScaled(t *testing.T) {
	backend, choice, err := newBackend()
	if err != nil {
		t.Fatal(err)
	}
	c := Config{NumHeads: 4, NumKVHeads: 2, HeadDim: 64}
	const b, s = 3, 40
	lens := []int{40, 23, 1}
	maskData := make([]float32, b*s)
	for i := range b {
		for j := range lens[i] {
			maskData[i*s+j] = 1
		}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	q := randomTensor(rng, b, s, c.NumHeads, c.HeadDim)
	k := randomTensor(rng, b, s, c.NumKVHeads, c.HeadDim)
	v := randomTensor(rng, b, s, c.NumKVHeads, c.HeadDim)
	mask := tensors.FromFlatDataAndDimensions(maskData, b, s)

	// run returns the attention output (padded rows zeroed) and the
	// gradients of a weighted sum of it with respect to q, k and v, and
	// whether the fused op was taken.
	run := func(fused dtypes.DType) (res [4][]float32, took bool) {
		exec, err := NewExec(backend, func(q, k, v, mask *Node) []*Node {
			g := q.Graph()
			att := &selfAttention{fused: fused}
			_, att.bias = segmentAttention(mask)
			if fused != dtypes.InvalidDType {
				att.seqLens = realTokens(mask)
				_, took = InternalFusedOpCaller(func() *Node { return flashAttention(c, q, k, v, att.seqLens, fused) },
					func() *Node { return Reshape(q, b, s, c.NumHeads*c.HeadDim) }, true)
			}
			round := func(x *Node) *Node { return ConvertDType(ConvertDType(x, dtypes.BFloat16), dtypes.Float32) }
			out := Mul(att.attend(c, 0, round(q), round(k), round(v)), InsertAxes(mask, -1))
			loss := ReduceAllSum(Mul(out, Sin(Iota(g, out.Shape(), 2))))
			return append([]*Node{out}, Gradient(loss, q, k, v)...)
		})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Exec(q, k, v, mask)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			res[i] = tensors.MustCopyFlatData[float32](o)
		}
		return res, took
	}
	want, _ := run(dtypes.InvalidDType)
	got, fused := run(dtypes.BFloat16)
	tolerance := 0.0 // The fallback is scaledAttention itself.
	if fused {
		tolerance = 3e-2 // bfloat16 products and output.
	}
	t.Logf("backend %s: fused attention taken: %v", choice, fused)
	for i, name := range []string{"output", "dq", "dk", "dv"} {
		var worst float64
		for j := range want[i] {
			worst = math.Max(worst, math.Abs(float64(got[i][j]-want[i][j])))
		}
		t.Logf("%s: max |Δ| %.2g", name, worst)
		if worst > tolerance {
			t.Errorf("%s: selfAttention with fused attention differs from scaledAttention by %.3g (tolerance %g)", name, worst, tolerance)
		}
	}
}
