package llama

import (
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/llamagraph"
)

// TestAdapterSeesModuleInputAndOutput checks that an adapter adding x·Δᵀ to
// a module's output computes what the model computes with W+Δ as the
// module's weight.
func TestAdapterSeesModuleInputAndOutput(t *testing.T) {
	base, e := testModel(t, "gqa")
	target := Linear{Layer: 1, Module: "o_proj", In: 64, Out: 64}
	delta, adapted := deltaAdapter(base, target, 5)
	changed, err := Load(context.Background(), filepath.Join("testdata", "models", "gqa"))
	if err != nil {
		t.Fatal(err)
	}
	w := GraphOf(changed).Weight(target.Name() + ".weight")
	value := tensors.MustCopyFlatData[float32](w.MustValue())
	for i := range value {
		value[i] += delta[i]
	}
	w.MustSetValue(tensors.FromFlatDataAndDimensions(value, target.Out, target.In))

	batch := Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels}
	a, err := adapted.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	b, err := changed.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := base.Forward(context.Background(), batch)
	if math.Abs(a.Loss-b.Loss) > 1e-5 || math.Abs(a.Loss-plain.Loss) < 1e-3 {
		t.Errorf("adapted loss %v, merged weights %v, no adapter %v", a.Loss, b.Loss, plain.Loss)
	}
}

// TestGradientsOfAdapterOnly checks that with frozen weights only the
// adapter's variables get gradients.
func TestGradientsOfAdapterOnly(t *testing.T) {
	base, e := testModel(t, "gqa")
	adapted := base.WithAdapter(llamagraph.AdapterFunc(func(ctx *model.Scope, l Linear, x, y *Node) *Node {
		if l.Module != "v_proj" {
			return y
		}
		scale := ctx.Store().Scope("/test_adapter/"+l.Name()).VariableWithValue("scale", float32(1))
		return Mul(y, scale.NodeValue(x.Graph()))
	}))
	loss, grads, err := adapted.Gradients(context.Background(), Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-e.Loss) > 1e-4 {
		t.Errorf("loss %v with an identity adapter, want %v", loss, e.Loss)
	}
	if len(grads) != base.Config.NumLayers {
		t.Errorf("%d gradients, want one per v_proj: %v", len(grads), keys(grads))
	}
	for name, g := range grads {
		if !strings.HasPrefix(name, "/test_adapter/") || len(g) != 1 || g[0] == 0 {
			t.Errorf("gradient %s = %v", name, g)
		}
	}
}

func keys(m map[string][]float32) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// deltaAdapter returns a random Δ [out, in] drawn from seed and base with an
// adapter that adds x·Δᵀ to the output of module target.
func deltaAdapter(base *Model, target Linear, seed uint64) ([]float32, *Model) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	delta := make([]float32, target.Out*target.In)
	for i := range delta {
		delta[i] = float32(rng.NormFloat64() * 0.1)
	}
	return delta, base.WithAdapter(llamagraph.AdapterFunc(func(ctx *model.Scope, l Linear, x, y *Node) *Node {
		if l != target {
			return y
		}
		d := Const(x.Graph(), tensors.FromFlatDataAndDimensions(delta, target.Out, target.In))
		return Add(y, llamagraph.Product(x, []int{-1}, nil, d, []int{1}, nil))
	}))
}

// TestLinearModules checks that each layer's linear modules are those of
// LinearModules, in its order, which package lora takes its names from.
func TestLinearModules(t *testing.T) {
	m, _ := testModel(t, "gqa")
	lin := m.Linears()
	if len(lin) != m.Config.NumLayers*len(LinearModules) {
		t.Fatalf("%d linear modules for %d layers of %d", len(lin), m.Config.NumLayers, len(LinearModules))
	}
	for i, l := range lin {
		if want := LinearModules[i%len(LinearModules)]; l.Module != want || l.Layer != i/len(LinearModules) {
			t.Errorf("linear module %d is layer %d's %s, want layer %d's %s", i, l.Layer, l.Module, i/len(LinearModules), want)
		}
	}
}
