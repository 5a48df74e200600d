package cmem

import (
	"testing"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestCompilationsExec checks that Exec returns what the graph computes and
// counts one compilation per input shape, not one per execution.
func TestCompilationsExec(t *testing.T) {
	backend, err := gobackend.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	exec, err := model.NewExec(backend, model.NewStore(), func(ctx *model.Scope, x *graph.Node) *graph.Node {
		return graph.MulScalar(x, 2)
	})
	if err != nil {
		t.Fatal(err)
	}
	var c Compilations
	for i, in := range []*tensors.Tensor{
		tensors.FromValue([]float32{1, 2}), tensors.FromValue([]float32{3, 4}), tensors.FromValue([]float32{1, 2, 3}),
	} {
		out, err := c.Exec(exec, in)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := out[0].Value().([]float32)[0], 2*in.Value().([]float32)[0]; got != want {
			t.Errorf("run %d: %v, want %v", i, got, want)
		}
	}
	if len(c.seen) != 2 {
		t.Errorf("%d compilations noted, want 2 (one per input shape)", len(c.seen))
	}
}
