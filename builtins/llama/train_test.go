package llama

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/golora/golora/internal/llamagraph"
)

// loraOnQV is a minimal LoRA of the given rank on q_proj and v_proj
// (package lora is the real one), B starting at zero. Its variables are
// created with plain VariableWithValue: the model's unchecked context makes
// that safe when the graph is built again.
func loraOnQV(rank int) llamagraph.AdapterFunc {
	return func(ctx *model.Scope, l Linear, x, y *Node) *Node {
		if l.Module != "q_proj" && l.Module != "v_proj" {
			return y
		}
		scope := ctx.Store().Scope("/lora_test/" + l.Name())
		rng := rand.New(rand.NewPCG(uint64(l.Layer), 7))
		a := make([]float32, rank*l.In)
		for i := range a {
			a[i] = float32(rng.NormFloat64() * 0.1)
		}
		av := scope.VariableWithValue("lora_A", tensors.FromFlatDataAndDimensions(a, rank, l.In))
		bv := scope.VariableWithValue("lora_B", tensors.FromShape(shapes.Make(dtypes.Float32, l.Out, rank)))
		g := x.Graph()
		down := llamagraph.Product(x, []int{-1}, nil, av.NodeValue(g), []int{1}, nil)
		return Add(y, llamagraph.Product(down, []int{-1}, nil, bv.NodeValue(g), []int{1}, nil))
	}
}

// TestTrainAdapterWithGoMLXOptimizer trains a small LoRA with GoMLX's Adam
// through LossGraph, as package lora does: the loss falls, the weights do not
// move, and building the training graph a second time (a notebook cell run
// again) works and continues from the same variables.
func TestTrainAdapterWithGoMLXOptimizer(t *testing.T) {
	_, e := testModel(t, "gqa")
	base, err := Load(context.Background(), filepath.Join("testdata", "models", "gqa"))
	if err != nil {
		t.Fatal(err)
	}
	adapted := base.WithAdapter(loraOnQV(4))
	in, err := Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels}.inputs(base.Config.VocabSize)
	if err != nil {
		t.Fatal(err)
	}
	g := GraphOf(adapted)
	before := tensors.MustCopyFlatData[float32](g.Weight("model.layers.0.self_attn.q_proj.weight").MustValue())
	trainCell := func(steps int) []float32 {
		step, err := model.NewExec(g.Backend(), g.Store(), func(ctx *model.Scope, tokens, mask, targets, weights *Node) *Node {
			ctx.Store().SetTraining(tokens.Graph(), true)
			loss := g.LossGraph(ctx, tokens, mask, targets, weights)
			optimizer.Adam().LearningRate(1e-2).Done().UpdateGraph(ctx, tokens.Graph(), loss)
			return loss
		})
		if err != nil {
			t.Fatal(err)
		}
		var losses []float32
		for range steps {
			out, err := step.Exec(in.Tokens, in.Mask, in.Targets, in.Weights)
			if err != nil {
				t.Fatal(err)
			}
			losses = append(losses, tensors.ToScalar[float32](out[0]))
		}
		return losses
	}
	first := trainCell(10)
	again := trainCell(10) // The cell run again: a new graph on the same context.
	t.Logf("losses %v then %v", first, again)
	if !(first[9] < first[0]-0.5) || !(again[0] < first[0]) || !(again[9] < again[0]) {
		t.Errorf("training did not lower the loss: %v then %v", first, again)
	}
	after := tensors.MustCopyFlatData[float32](g.Weight("model.layers.0.self_attn.q_proj.weight").MustValue())
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("frozen weight changed at %d: %v → %v", i, before[i], after[i])
		}
	}
}
