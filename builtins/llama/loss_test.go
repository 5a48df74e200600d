package llama

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/golora/golora/internal/llamagraph"
)

// TestHeadLossGradient checks headLoss, in one chunk and in chunks that do
// not divide the rows evenly, against the cross entropy of the logits
// differentiated by GoMLX: the loss, and its gradients with respect to the
// hidden states and the head's weight, scaled by an upstream factor.
func TestHeadLossGradient(t *testing.T) {
	backend, err := newSimplego(simplegoDefaults)
	if err != nil {
		t.Fatal(err)
	}
	const b, s, d, vocab = 2, 5, 6, 11
	rng := rand.New(rand.NewPCG(5, 6))
	h, w := randomTensor(rng, b, s, d), randomTensor(rng, vocab, d)
	targets := make([]int32, b*s)
	weights := make([]float32, b*s)
	for i := range targets {
		targets[i] = int32(rng.IntN(vocab))
		weights[i] = float32(rng.IntN(2)) // Some positions are not scored.
	}
	tt, wt := tensors.FromFlatDataAndDimensions(targets, b, s), tensors.FromFlatDataAndDimensions(weights, b, s)
	run := func(chunks int) []*tensors.Tensor {
		return MustNewExec(backend, func(h, w, targets, weights *Node) []*Node {
			var sum, count *Node
			if chunks == 0 {
				sum, count = crossEntropySum(llamagraph.Product(h, []int{-1}, nil, w, []int{1}, nil), targets, weights)
			} else {
				sum, count = headLoss(h, w, true, targets, weights, chunks, dtypes.Float32)
			}
			loss := MulScalar(sum, 0.37) // An upstream gradient other than 1.
			return append([]*Node{sum, count}, Gradient(loss, h, w)...)
		}).MustExec(h, w, tt, wt)
	}
	want := run(0)
	for _, chunks := range []int{1, 3} {
		got := run(chunks)
		for i, name := range []string{"loss sum", "count", "gradient of h", "gradient of w"} {
			wv := tensors.MustCopyFlatData[float32](want[i])
			gv := tensors.MustCopyFlatData[float32](got[i])
			for j := range wv {
				if math.Abs(float64(wv[j]-gv[j])) > 1e-5 {
					t.Errorf("%d chunks: %s [%d] = %v, want %v", chunks, name, j, gv[j], wv[j])
					break
				}
			}
		}
	}
}
