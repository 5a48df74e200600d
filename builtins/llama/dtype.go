package llama

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/llamagraph"
)

// SetComputeDType makes the model's products with its own weights (the
// linear modules and the LM head, forward and backward) run in the named
// dtype: "bfloat16" or "float16" for a GPU's tensor cores, as PyTorch runs
// a model loaded in bfloat16, or "float32", the default. The weights stay
// stored in their dtype (WeightDType) and are converted in the graph; the
// activations, the norms, attention, the softmax and the loss, and the
// adapters stay in float32, except that on XLA's CUDA plugin attention runs
// in the named dtype through cuDNN's flash attention, with its softmax
// statistics in float32. On a CPU, bfloat16 is slower than float32.
func (m *Model) SetComputeDType(name string) error {
	dt, ok := floatDType(name)
	if !ok {
		return fmt.Errorf("llama: compute dtype %q: want \"float32\", \"bfloat16\" or \"float16\"", name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.compute = dt
	m.execs = map[string]*model.Exec{} // Their graphs computed in the old dtype.
	return nil
}

// ComputeDType returns the name of the dtype of the model's products with
// its weights ("float32", "bfloat16" or "float16"; see SetComputeDType).
func (m *Model) ComputeDType() string { return dtypeName(m.compute) }

// floatDType returns the dtype of a name that Options.DType and
// SetComputeDType take: "float32", "bfloat16" or "float16".
func floatDType(name string) (dtypes.DType, bool) {
	switch name {
	case "float32":
		return dtypes.Float32, true
	case "bfloat16":
		return dtypes.BFloat16, true
	case "float16":
		return dtypes.Float16, true
	}
	return dtypes.InvalidDType, false
}

// dtypeName returns the name of dt as Options.DType spells it ("bfloat16").
func dtypeName(dt dtypes.DType) string { return strings.ToLower(dt.String()) }

// productIn is llamagraph.Product(x, xContracting, nil, w, wContracting, nil) with both
// operands rounded to dt and the result converted back to x's dtype.
//
// On the Go backend a half-precision dt is emulated: the operands are rounded
// to dt and multiplied in float32, which gives the same numbers as a product
// in dt with float32 accumulation (a product of two bfloat16 or float16
// values is exact in float32). compute v0.1.2's half-precision kernels are
// both wrong and slow here: with GOEXPERIMENT=simd, [16×64]·[32×64]ᵀ in
// bfloat16 is off by 5.8 where float32 rounding explains 0.02 (AVX2 and
// AVX-512 alike, in the layout x·Wᵀ every linear module uses), and a
// bfloat16 product runs at 0.5 GFLOP/s against float32's 30 (AVX2, 2
// cores; TestHalfProductsOnGoBackend).
func productIn(dt dtypes.DType, x *Node, xContracting []int, w *Node, wContracting []int) *Node {
	return batchProductIn(dt, x, xContracting, nil, w, wContracting, nil)
}

// batchProductIn is productIn with batch axes.
func batchProductIn(dt dtypes.DType, x *Node, xContracting, xBatch []int, w *Node, wContracting, wBatch []int) *Node {
	if x.DType() == dt && w.DType() == dt {
		return llamagraph.Product(x, xContracting, xBatch, w, wContracting, wBatch)
	}
	operand := func(n *Node) *Node {
		if n.DType() != dt {
			n = ConvertDType(n, dt)
		}
		if dt.IsHalfPrecision() && isGoBackend(n.Graph()) {
			n = ConvertDType(n, dtypes.Float32)
		}
		return n
	}
	out := llamagraph.Product(operand(x), xContracting, xBatch, operand(w), wContracting, wBatch)
	if out.DType() != x.DType() {
		out = ConvertDType(out, x.DType())
	}
	return out
}

// isGoBackend reports whether g is built for GoMLX's pure-Go backend.
func isGoBackend(g *Graph) bool { return g.Backend().String() == gobackend.BackendName }
