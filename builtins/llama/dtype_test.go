package llama

import (
	"context"
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// TestComputeBFloat16 runs the model's products in bfloat16: the logits,
// the loss and the gradients move by bfloat16's rounding, no more, and they
// do move, so the products did run in bfloat16.
func TestComputeBFloat16(t *testing.T) {
	m, e := trainableTestModel(t, "gqa")
	batch := Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels}
	run := func() (Output, float64, map[string][]float32) {
		out, err := m.Forward(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		loss, grads, err := m.Gradients(context.Background(), batch)
		if err != nil {
			t.Fatal(err)
		}
		return out, loss, grads
	}
	out32, _, grads32 := run()
	if err := m.SetComputeDType(dtypes.Int32); err == nil {
		t.Error("SetComputeDType(Int32) accepted")
	}
	if err := m.SetComputeDType(dtypes.BFloat16); err != nil {
		t.Fatal(err)
	}
	out16, loss16, grads16 := run()
	lw, ls := 0.0, 0.0
	for i, v := range out32.Logits {
		lw = math.Max(lw, math.Abs(float64(out16.Logits[i]-v)))
		ls = math.Max(ls, math.Abs(float64(v)))
	}
	// bfloat16 keeps 8 significant bits: a relative rounding of 2⁻⁹ per
	// operand, summed over the products of a few layers.
	if lw == 0 || lw > 0.05*ls {
		t.Errorf("bfloat16 logits differ from float32's by %g (largest |logit| %g)", lw, ls)
	}
	if d := math.Abs(out16.Loss - out32.Loss); d == 0 || d > 0.01*out32.Loss || math.Abs(loss16-out16.Loss) > 1e-4 {
		t.Errorf("bfloat16 loss %v (gradients' %v), float32 %v", out16.Loss, loss16, out32.Loss)
	}
	for name, g32 := range grads32 {
		g16 := grads16[name]
		worst, scale := 0.0, 0.0
		for i, v := range g32 {
			worst = math.Max(worst, math.Abs(float64(g16[i]-v)))
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		if worst > 0.1*scale+1e-6 {
			t.Errorf("%s: bfloat16 gradient differs from float32's by %g (largest |grad| %g)", name, worst, scale)
		}
	}
	t.Logf("logits within %.2g of float32's (largest %.2g); loss %v against %v", lw, ls, out16.Loss, out32.Loss)
}
