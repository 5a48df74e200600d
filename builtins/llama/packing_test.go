package llama

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// packedExample is one example of a packed row: its tokens and labels.
type packedExample struct{ tokens, labels []int }

// packedExamples returns examples of the given lengths from rng, the first
// one's first two tokens unscored (a prompt), every label of the others
// scored: packed, a target taken across a boundary would count.
func packedExamples(rng *rand.Rand, vocab int, lengths ...int) []packedExample {
	var out []packedExample
	for i, n := range lengths {
		e := packedExample{tokens: make([]int, n), labels: make([]int, n)}
		for t := range n {
			e.tokens[t] = rng.IntN(vocab)
			e.labels[t] = e.tokens[t]
			if i == 0 && t < 2 {
				e.labels[t] = IgnoreLabel
			}
		}
		out = append(out, e)
	}
	return out
}

// pack puts the examples into one row of seq tokens, numbered 1, 2, … in
// the mask, padded on the right, and returns the batch and where each
// example starts.
func pack(examples []packedExample, seq int) (Batch, []int) {
	b := Batch{Tokens: [][]int{make([]int, seq)}, Mask: [][]int{make([]int, seq)}, Labels: [][]int{make([]int, seq)}}
	for t := range seq {
		b.Labels[0][t] = IgnoreLabel
	}
	var starts []int
	at := 0
	for i, e := range examples {
		starts = append(starts, at)
		for t := range e.tokens {
			b.Tokens[0][at], b.Mask[0][at], b.Labels[0][at] = e.tokens[t], i+1, e.labels[t]
			at++
		}
	}
	return b, starts
}

// lossSum returns lossSumGraph's weighted sum of negative log-likelihoods
// and its count over a batch.
func lossSum(t *testing.T, m *Model, b Batch) (sum, count float64) {
	t.Helper()
	in, err := b.inputs(m.Config.VocabSize)
	if err != nil {
		t.Fatal(err)
	}
	exec, err := execFor(m, "test/loss-sum", func(ctx *model.Scope, tokens, mask, targets, weights *Node) (*Node, *Node) {
		return m.lossSumGraph(ctx, tokens, mask, targets, weights)
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.compiled.Exec(exec, in.Tokens, in.Mask, in.Targets, in.Weights)
	if err != nil {
		t.Fatal(err)
	}
	return float64(tensors.ToScalar[float32](res[0])), float64(tensors.ToScalar[float32](res[1]))
}

// TestPackedRowMatchesUnpacked packs four examples of different lengths and
// two pads into one row and checks each example's logits, at every one of
// its positions, against those of the example alone in a batch of one
// (padded to the longest example's length), and the packed loss sum and
// token count against the sums over the examples alone: attention that
// crossed examples or a target taken from the next example would show.
// Positions that did not restart would not, beyond rounding: within a
// segment, rotary attention depends only on the distance between
// positions. TestSegmentPositions checks them.
func TestPackedRowMatchesUnpacked(t *testing.T) {
	base, _ := testModel(t, "gqa")
	_, adapted := deltaAdapter(base, Linear{Layer: 0, Module: "v_proj", In: 64, Out: 32}, 7)
	rng := rand.New(rand.NewPCG(7, 8))
	tied, _ := testModel(t, "tied")
	llama3, _ := testModel(t, "llama3")
	for _, tc := range []struct {
		name string
		m    *Model
	}{{"gqa", base}, {"gqa with an adapter", adapted}, {"tied", tied}, {"llama3", llama3}} {
		m := tc.m
		t.Run(tc.name, func(t *testing.T) {
			examples := packedExamples(rng, m.Config.VocabSize, 5, 3, 7, 4)
			packed, starts := pack(examples, 21)
			got, err := m.Forward(context.Background(), packed)
			if err != nil {
				t.Fatal(err)
			}
			gotSum, gotCount := lossSum(t, m, packed)
			var worst, wantSum, wantCount float64
			for i, e := range examples {
				alone, _ := pack(examples[i:i+1], 7) // Padded to one length: one graph to compile.
				want, err := m.Forward(context.Background(), alone)
				if err != nil {
					t.Fatal(err)
				}
				for p := range e.tokens {
					for v, w := range want.At(0, p) {
						worst = math.Max(worst, math.Abs(float64(got.At(0, starts[i]+p)[v]-w)))
					}
				}
				sum, count := lossSum(t, m, alone)
				wantSum, wantCount = wantSum+sum, wantCount+count
			}
			relErr := math.Abs(gotSum-wantSum) / wantSum
			t.Logf("max |Δlogit| %.2g; loss sum %v over %v tokens, unpacked %v over %v (relative error %.2g)",
				worst, gotSum, gotCount, wantSum, wantCount, relErr)
			if worst > 1e-5 {
				t.Errorf("packed logits differ from unpacked ones by up to %g", worst)
			}
			if relErr > 1e-5 || gotCount != wantCount {
				t.Errorf("packed loss sum %v over %v tokens, unpacked %v over %v", gotSum, gotCount, wantSum, wantCount)
			}
		})
	}
}

// TestMaskOfOnesMatchesNoMask checks that a mask of ones, from Batch.inputs
// with a nil Batch.Mask or given, and logitsGraph without a mask give the
// same logits to the bit, at every position.
func TestMaskOfOnesMatchesNoMask(t *testing.T) {
	m, e := testModel(t, "gqa")
	exec, err := execFor(m, "test/logits-without-mask", func(ctx *model.Scope, tokens *Node) *Node {
		return m.logitsGraph(ctx, tokens, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := Batch{Tokens: e.InputIDs}.inputs(m.Config.VocabSize)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.compiled.Exec(exec, in.Tokens)
	if err != nil {
		t.Fatal(err)
	}
	want := tensors.MustCopyFlatData[float32](res[0])
	ones := make([][]int, len(e.InputIDs))
	for r, row := range e.InputIDs {
		ones[r] = slices.Repeat([]int{1}, len(row))
	}
	for _, mask := range [][][]int{nil, ones} {
		out, err := m.Forward(context.Background(), Batch{Tokens: e.InputIDs, Mask: mask})
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Float32bits(out.Logits[i]) != math.Float32bits(want[i]) {
				t.Errorf("mask %v: logit %d is %v, %v without a mask", mask, i, out.Logits[i], want[i])
				break
			}
		}
	}
}

// TestInputsSegments checks Batch.inputs's reading of segment numbers: the
// weights at the boundaries of packed examples, and the errors, naming the
// row and position, for masks that are not contiguous runs of segments.
func TestInputsSegments(t *testing.T) {
	tokens := []int{5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		mask    []int
		weights []float32 // nil: an error naming position errAt.
		errAt   string
	}{
		{mask: []int{1, 1, 1, 1, 1, 1}, weights: []float32{1, 1, 1, 1, 1, 0}},
		{mask: []int{1, 1, 2, 2, 2, 0}, weights: []float32{1, 0, 1, 1, 0, 0}},
		{mask: []int{3, 3, 1, 2, 2, 2}, weights: []float32{1, 0, 0, 1, 1, 0}},
		{mask: []int{0, 1, 1, 0, 1, 1}, weights: []float32{1, 1, 0, 1, 1, 0}}, // One segment: padding anywhere, as before.
		{mask: []int{1, 1, 2, 2, 1, 1}, errAt: "position 4: segment 1 resumes"},
		{mask: []int{1, 1, 0, 2, 2, 0}, errAt: "position 2: padding before"},
		{mask: []int{0, 1, 1, 2, 2, 2}, errAt: "position 0: padding before"},
		{mask: []int{1, 1, 1, -1, 1, 1}, errAt: "position 3: mask value -1"},
	} {
		b := Batch{Tokens: [][]int{tokens, tokens}, Mask: [][]int{slices.Repeat([]int{1}, 6), tc.mask}, Labels: [][]int{tokens, tokens}}
		in, err := b.inputs(11)
		if tc.weights == nil {
			if err == nil || !strings.Contains(err.Error(), "row 1, "+tc.errAt) {
				t.Errorf("mask %v: error %v, want one naming row 1, %s", tc.mask, err, tc.errAt)
			}
			continue
		}
		if err != nil {
			t.Errorf("mask %v: %v", tc.mask, err)
			continue
		}
		if got := tensors.MustCopyFlatData[float32](in.Weights)[6:]; !slices.Equal(got, tc.weights) {
			t.Errorf("mask %v: weights %v, want %v", tc.mask, got, tc.weights)
		}
		if got, want := tensors.MustCopyFlatData[float32](in.Mask)[6:], tc.mask; !slices.EqualFunc(got, want, func(g float32, w int) bool { return g == float32(w) }) {
			t.Errorf("mask tensor %v, want %v", got, want)
		}
	}
}

// TestSegmentPositions checks the positions segmentAttention derives from
// a mask: from 0 at each segment's first token, and the index itself in a
// row of one segment whatever its padding.
func TestSegmentPositions(t *testing.T) {
	backend, _, err := newBackend()
	if err != nil {
		t.Fatal(err)
	}
	mask := [][]float32{{1, 1, 1, 2, 2, 3, 3, 3, 0, 0}, {0, 1, 1, 0, 1, 1, 1, 1, 0, 0}, {5, 5, 5, 5, 5, 5, 5, 5, 5, 5}}
	want := []int32{0, 1, 2, 0, 1, 0, 1, 2, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	out := MustNewExec(backend, func(mask *Node) *Node {
		positions, _ := segmentAttention(mask)
		return positions
	}).MustExec(tensors.FromValue(mask))[0]
	if got := tensors.MustCopyFlatData[int32](out); !slices.Equal(got, want) {
		t.Errorf("positions %v, want %v", got, want)
	}
}

// TestPackedGradientsMatchUnpacked checks the gradient of every weight of a
// packed row's mean loss against the token-weighted mean of the examples'
// gradients, each alone in a batch of one (padded to one length).
func TestPackedGradientsMatchUnpacked(t *testing.T) {
	m, _ := trainableTestModel(t, "gqa")
	rng := rand.New(rand.NewPCG(9, 10))
	examples := packedExamples(rng, m.Config.VocabSize, 6, 4, 8)
	packed, _ := pack(examples, 20)
	_, got, err := m.Gradients(context.Background(), packed)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{}
	total := 0.0
	for i := range examples {
		alone, _ := pack(examples[i:i+1], 8)
		_, grads, err := m.Gradients(context.Background(), alone)
		if err != nil {
			t.Fatal(err)
		}
		_, count := lossSum(t, m, alone)
		total += count
		for name, g := range grads {
			if want[name] == nil {
				want[name] = make([]float64, len(g))
			}
			for i, v := range g {
				want[name][i] += count * float64(v)
			}
		}
	}
	var worst, scale float64
	for name, w := range want {
		for i, v := range w {
			worst = math.Max(worst, math.Abs(float64(got[name][i])-v/total))
			scale = math.Max(scale, math.Abs(v/total))
		}
	}
	t.Logf("max |Δgradient| %.2g of %.2g over %d weights (%d packed)", worst, scale, len(want), len(got))
	if worst > 1e-5*math.Max(1, scale) {
		t.Errorf("packed gradients differ from unpacked ones by up to %g (largest |gradient| %g)", worst, scale)
	}
}
