package llama

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// SetComputeDType makes the model's products with its own weights (the
// linear modules and the LM head, forward and backward) run in dt:
// dtypes.BFloat16 or dtypes.Float16 for a GPU's tensor cores, as PyTorch
// runs a model loaded in bfloat16, or dtypes.Float32, the default. The
// weights stay stored in float32 and are converted in the graph; the
// activations, the norms, attention, the softmax and the loss, and the
// adapters stay in float32. On a CPU, bfloat16 is slower than float32.
func (m *Model) SetComputeDType(dt dtypes.DType) error {
	switch dt {
	case dtypes.Float32, dtypes.BFloat16, dtypes.Float16:
	default:
		return fmt.Errorf("llama: compute dtype %s: want float32, bfloat16 or float16", dt)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.compute = dt
	m.execs = map[string]*context.Exec{} // Their graphs computed in the old dtype.
	return nil
}

// ComputeDType returns the dtype of the model's products with its weights.
func (m *Model) ComputeDType() dtypes.DType { return m.compute }

// productIn is Product(x, xContracting, nil, w, wContracting, nil) with both
// operands converted to dt and the result converted back to x's dtype.
func productIn(dt dtypes.DType, x *Node, xContracting []int, w *Node, wContracting []int) *Node {
	if x.DType() == dt && w.DType() == dt {
		return Product(x, xContracting, nil, w, wContracting, nil)
	}
	return ConvertDType(Product(ConvertDType(x, dt), xContracting, nil, ConvertDType(w, dt), wContracting, nil), x.DType())
}
