package llama

import (
	"context"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"

	"github.com/golora/golora/internal/llamagraph"
)

// TestGradientCheckpointing checks that a model with gradient checkpointing
// gives the gradients of the model without it, and that its backward pass
// does recompute the layers: it has more products (the layers' forward
// products again) than the plain one.
func TestGradientCheckpointing(t *testing.T) {
	m, e := trainableTestModel(t, "gqa")
	batch := Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels}
	loss, grads, err := m.Gradients(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	ck := m.WithGradientCheckpointing(true)
	lossCk, gradsCk, err := ck.Gradients(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-lossCk) > 1e-6 {
		t.Errorf("loss %v with checkpointing, %v without", lossCk, loss)
	}
	for name, g := range grads {
		for i, v := range g {
			if d := math.Abs(float64(v - gradsCk[name][i])); d > 1e-6 {
				t.Errorf("%s[%d]: gradient %v with checkpointing, %v without", name, i, gradsCk[name][i], v)
				break
			}
		}
	}
	products := func(m *Model) int {
		mg := GraphOf(m)
		g := NewGraph(mg.Backend(), "products")
		defer g.Finalize()
		ids := shapes.Make(dtypes.Int32, 2, 8)
		tokens, targets := Parameter(g, "tokens", ids), Parameter(g, "targets", ids)
		weights := OnesLike(ConvertDType(targets, dtypes.Float32))
		sum, _ := mg.LossSumGraph(mg.Store().RootScope(), tokens, nil, targets, weights)
		var wrt []*Node
		for _, name := range m.WeightNames() {
			wrt = append(wrt, m.weight(g, name))
		}
		return len(llamagraph.ProductsOf(append(Gradient(sum, wrt...), sum)...))
	}
	plain, recomputed := products(m), products(ck)
	if recomputed <= plain {
		t.Errorf("the checkpointed step has %d products, the plain one %d: the layers are not recomputed", recomputed, plain)
	}
	t.Logf("%d products with checkpointing, %d without", recomputed, plain)
}
