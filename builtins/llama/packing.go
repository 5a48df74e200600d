package llama

import (
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// segmentAttention reads the mask [batch, seq] of llamagraph.Inputs (each
// token's segment number, 0 for padding) and returns the RoPE positions
// [batch, seq] (int32) and the additive attention mask [batch, 1, seq, 1,
// seq] of packed rows.
//
// A query q attends a key k ≤ q that is real and in q's segment; padding
// queries attend every real key up to themselves, as they did before
// segments. Both come from one matrix, same[q, k]: k's segment is q's, or q
// is padding. The position of q is the number of keys k < q in its segment
// or padding: it restarts at 0 at a segment's first token when padding
// only ends the row (llamagraph.NewInputs checks it for rows of several
// segments), and is q itself in a row of one segment whatever its padding,
// as it was when positions ignored the mask. The counts are exact integers, so a mask
// of ones and zeros gives the bias and positions of an unpacked batch to
// the bit.
func segmentAttention(mask *Node) (positions, bias *Node) {
	g := mask.Graph()
	dims := mask.Shape().Dimensions
	b, s := dims[0], dims[1]
	seg := ConvertDType(mask, dtypes.Float32)
	zero := ScalarZero(g, dtypes.Float32)
	full := func(x *Node) *Node { return BroadcastToDims(x, b, s, s) }
	segQ, segK := Reshape(seg, b, s, 1), Reshape(seg, b, 1, s)
	padQ, padK := full(Equal(segQ, zero)), full(Equal(segK, zero))
	same := LogicalOr(Equal(full(segQ), full(segK)), padQ)
	causal := full(Reshape(GreaterOrEqual(
		Iota(g, shapes.Make(dtypes.Int32, s, s), 0), Iota(g, shapes.Make(dtypes.Int32, s, s), 1)), 1, s, s))
	allowed := LogicalAnd(causal, LogicalAnd(same, LogicalNot(padK)))
	counted := LogicalAnd(causal, LogicalOr(same, padK))
	positions = AddScalar(ReduceSum(ConvertDType(counted, dtypes.Int32), -1), -1)
	bias = Where(Reshape(allowed, b, 1, s, 1, s), zero, Scalar(g, dtypes.Float32, maskedBias))
	return positions, bias
}

// realTokens counts the real (non-padding) tokens of each row of the mask
// [batch, seq]: int32 [batch], the sequence lengths of the fused attention.
func realTokens(mask *Node) *Node {
	real := GreaterThan(ConvertDType(mask, dtypes.Float32), ScalarZero(mask.Graph(), dtypes.Float32))
	return ReduceSum(ConvertDType(real, dtypes.Int32), -1)
}

// CheckPacking reports whether the model can compute packed rows (several
// segments in a row of Batch.Mask) exactly: not where its attention is
// cuDNN's fused kernel (XLA's CUDA plugin with half-precision products,
// see fusedAttention), which masks padding by sequence length and knows
// nothing of segments. The error says the ways out.
func (m *Model) CheckPacking() error {
	// XLA's CPU plugin names the fused op but falls back to golora's own
	// attention; only CUDA's runs cuDNN's kernel.
	b := m.backend
	if b == nil || !m.mayFuseAttention(b) || os.Getenv("GOMLX_FUSION") == "false" || !strings.Contains(strings.ToLower(b.Name()+" "+b.String()), "cuda") {
		return nil
	}
	return fmt.Errorf("%s products on %s attend through cuDNN's fused attention, which keeps padding out but not packed examples apart: set GOMLX_FUSION=false before starting the kernel, compute in float32 (model.SetComputeDType(\"float32\")), or do not pack", m.compute, b.Name())
}
