package llama

import (
	"fmt"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/dtypes/float16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Options are the choices Load takes.
type Options struct {
	// DType is the dtype the matrices (the embeddings, the linear modules
	// and the LM head) are kept in: "float32", "bfloat16" or "float16".
	// The norms stay in float32. Empty (the default) keeps the file's dtype
	// on a GPU and uses float32 on a CPU, where it is faster: on the Go
	// backend a half-precision product is computed in float32 from the
	// rounded operands (its own half-precision kernels are wrong and 60
	// times slower, see productIn), and on XLA's CPU plugin a bfloat16
	// product is slower than float32's ([1024×576]·[1536×576]ᵀ: 38 against
	// 67 GFLOP/s, on this project's 2-core machine). Half-precision weights
	// halve the model's memory; their products run in their dtype with
	// float32 accumulation, as PyTorch runs a model loaded in bfloat16, and
	// the adapter, its optimizer state and the activations stay in float32.
	DType string
	// Quantize keeps the base's matrices quantized in memory, in one of
	// GGUF's block types (QLoRA's idea; see quant.go): "q8_0", "q4_0" or
	// "q4_1" converts every matrix at load (each row in blocks of 32 values
	// with their own scale), a Hugging Face folder's as well as a GGUF
	// file's. Empty (the default) keeps a GGUF file's Q8_0, Q4_0, Q4_1,
	// Q5_0 and Q5_1 tensors as they are, converts its K-quants to Q8_0 and
	// a Hugging Face folder's floats to DType; "none" dequantizes a GGUF
	// file's tensors to DType at load, which takes about five times the
	// memory. Only the frozen base is quantized: the adapter trains in
	// float32. A matrix whose rows are not a whole number of blocks stays
	// in DType.
	Quantize string
}

// weightDType resolves Options.DType for a model stored as fileDType (a
// config.json torch_dtype: "float32", "bfloat16", "float16" or "").
func (o Options) weightDType(c backendChoice, fileDType string) (dtypes.DType, error) {
	if dt, ok := floatDType(o.DType); ok {
		return dt, nil
	}
	if o.DType == "" {
		if dt, ok := floatDType(fileDType); ok && c.gpu() {
			return dt, nil
		}
		return dtypes.Float32, nil
	}
	return dtypes.InvalidDType, fmt.Errorf(`llama: Options.DType %q: want "float32", "bfloat16", "float16" or "" (the file's dtype on a GPU, float32 on a CPU)`, o.DType)
}

// gpu reports whether the backend computes on a GPU: XLA with a plugin other
// than the CPU one.
func (c backendChoice) gpu() bool {
	return c.name == "xla" && !strings.Contains(strings.ToLower(c.config), "cpu")
}

// isMatrix reports whether a weight of this shape is kept in the model's
// weight dtype: every weight but the norms' vectors.
func isMatrix(shape []int) bool { return len(shape) == 2 }

// dtypeOf returns the dtype the model keeps a weight of this shape in.
func (m *Model) dtypeOf(shape []int) dtypes.DType {
	if isMatrix(shape) {
		return m.weightDType
	}
	return dtypes.Float32
}

// newWeight makes a tensor of dtype dt and shape dims filled from float32
// values by fill, rounding to dt as it goes. For float32 fill writes straight
// into the backend's buffer; for half precision it fills a float32 buffer of
// one tensor, which is then rounded.
func newWeight(b compute.Backend, dt dtypes.DType, dims []int, fill func([]float32) error) (*tensors.Tensor, error) {
	if dt == dtypes.Float32 {
		return newTensor(b, shapes.Make(dtypes.Float32, dims...), fill)
	}
	flat := make([]float32, shapes.Make(dtypes.Float32, dims...).Size())
	if err := fill(flat); err != nil {
		return nil, err
	}
	var t *tensors.Tensor
	switch dt {
	case dtypes.BFloat16:
		t = tensors.FromFlatDataAndDimensions(bfloat16.FromFloat32s(flat...), dims...)
	case dtypes.Float16:
		t = tensors.FromFlatDataAndDimensions(float16.FromFloat32s(flat...), dims...)
	default:
		return nil, fmt.Errorf("llama: weights in %s: want float32, bfloat16 or float16", dt)
	}
	if err := t.MaterializeOnDevice(b, false, 0); err != nil {
		return nil, err
	}
	t.FinalizeLocal()
	return t, nil
}

// float32Of returns a tensor's values as float32, whatever its float dtype.
func float32Of(t *tensors.Tensor) ([]float32, error) {
	switch t.DType() {
	case dtypes.Float32:
		return tensors.MustCopyFlatData[float32](t), nil
	case dtypes.BFloat16:
		return widen(tensors.MustCopyFlatData[bfloat16.BFloat16](t)), nil
	case dtypes.Float16:
		return widen(tensors.MustCopyFlatData[float16.Float16](t)), nil
	}
	return nil, fmt.Errorf("llama: a weight of dtype %s", t.DType())
}

// WeightValues returns the named weight's values as float32, whatever dtype
// the model keeps it in.
func (m *Model) WeightValues(name string) ([]float32, error) {
	v := m.weights[name]
	if v == nil {
		return nil, fmt.Errorf("llama: the model has no weight %q", name)
	}
	t, err := v.Value()
	if err != nil {
		return nil, fmt.Errorf("llama: weight %s: %w", name, err)
	}
	if bt, ok := m.blocks[name]; ok {
		return blockValues(bt, tensors.MustCopyFlatData[uint8](t))
	}
	return float32Of(t)
}

// SetWeightValues replaces the named weight's values, rounding them to the
// dtype the model keeps it in. A weight kept quantized (Options.Quantize)
// is kept in the model's float dtype from then on, so that a merged
// adapter is not rounded to the base's blocks.
func (m *Model) SetWeightValues(name string, values []float32) error {
	v := m.weights[name]
	if v == nil {
		return fmt.Errorf("llama: the model has no weight %q", name)
	}
	dims, dt := v.Shape().Dimensions, v.DType()
	_, quantized := m.blocks[name]
	if quantized {
		dims, dt = m.shapeOf(name), m.weightDType
	}
	if n := shapes.Make(dt, dims...).Size(); n != len(values) {
		return fmt.Errorf("llama: weight %s has %d values, got %d", name, n, len(values))
	}
	t, err := newWeight(m.backend, dt, dims, func(dst []float32) error { copy(dst, values); return nil })
	if err != nil {
		return fmt.Errorf("llama: weight %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if quantized {
		// The graphs compiled for the block weight no longer fit.
		delete(m.blocks, name)
		clear(m.execs)
	}
	if err := v.SetValue(t); err != nil {
		return fmt.Errorf("llama: weight %s: %w", name, err)
	}
	return nil
}

// shapeOf returns the shape of the named weight as the model uses it
// ([out, in] for a matrix), whatever it is kept in.
func (m *Model) shapeOf(name string) []int {
	for _, w := range m.Config.tensorShapes() {
		if w.name == name {
			return w.shape
		}
	}
	return nil
}

// WeightDType returns the name of the dtype the model keeps its matrices in
// ("float32", "bfloat16" or "float16"; see Options.DType).
func (m *Model) WeightDType() string { return dtypeName(m.weightDType) }

// widen converts half-precision values to float32 (exactly).
func widen[T interface{ Float32() float32 }](h []T) []float32 {
	out := make([]float32, len(h))
	for i, v := range h {
		out[i] = v.Float32()
	}
	return out
}
