package llama

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/ggml"

	"github.com/golora/golora/builtins/gguf"
)

// Quantized base weights (QLoRA's idea). A matrix may be kept in one of
// GGUF's block types instead of a float dtype: its variable then holds the
// file's bytes as uint8 [rows, bytes per row] (a row is out of a [out, in]
// matrix, in Hugging Face's row order), and the graph dequantizes it where
// it is used, one op's worth at a time, so that the model's memory is about
// the file's size. The adapter, its optimizer state and the activations
// stay in float32; only the frozen base is quantized.
//
// Which types stay as they are:
//   - Q8_0 and Q4_0 are dequantized in the graph by GoMLX's GGML layer
//     (ggml.Dequantize), Q4_1, Q5_0 and Q5_1 by golora's (dequantizeGraph),
//     then multiplied in float32 (see dense for why not with GoMLX's fused
//     GGML dense op).
//   - The K-quants (Q4_K, Q5_K, Q6_K), for which no graph dequantization
//     exists, are converted once at load to Q8_0 (Options.Quantize says
//     otherwise), which costs the rounding to 8 bits per block of 32.
//
// F32, F16 and BF16 tensors are kept in the model's float dtype as before.

// blockTypes are the GGUF block types a model keeps in the graph.
var blockTypes = map[gguf.Type]bool{
	gguf.TypeQ8_0: true, gguf.TypeQ4_0: true, gguf.TypeQ4_1: true, gguf.TypeQ5_0: true, gguf.TypeQ5_1: true,
}

// ggmlTypes maps the block types GoMLX's GGML layers cover to theirs.
var ggmlTypes = map[gguf.Type]compute.GGMLQuantType{
	gguf.TypeQ8_0: compute.GGMLQ8_0,
	gguf.TypeQ4_0: compute.GGMLQ4_0,
}

// quantizeTypes are the values of Options.Quantize that name a block type.
var quantizeTypes = map[string]gguf.Type{"q8_0": gguf.TypeQ8_0, "q4_0": gguf.TypeQ4_0, "q4_1": gguf.TypeQ4_1}

// quantizeOption resolves Options.Quantize: the block type every matrix is
// converted to at load (0 for none), and dense: whether every tensor is to
// be dequantized at load instead.
func (o Options) quantizeOption() (to gguf.Type, dense bool, err error) {
	switch q := strings.ToLower(o.Quantize); q {
	case "":
		return 0, false, nil
	case "none":
		return 0, true, nil
	default:
		if t, ok := quantizeTypes[q]; ok {
			return t, false, nil
		}
	}
	return 0, false, fmt.Errorf(`llama: Options.Quantize %q: want "q8_0", "q4_0", "q4_1", "none" (dequantize a GGUF file at load) or "" (keep a GGUF file's block types, a Hugging Face folder's floats)`, o.Quantize)
}

// addBlockWeight stores data, a matrix [rows, cols] in block type t with its
// rows in Hugging Face's order, as the frozen weight name.
func (m *Model) addBlockWeight(name string, t gguf.Type, rows, cols int, data []byte) error {
	n, err := t.Bytes(rows * cols)
	if err != nil || len(data) != n || cols%t.BlockSize() != 0 {
		return fmt.Errorf("llama: weight %s: %d bytes of %s for [%d, %d]", name, len(data), t, rows, cols)
	}
	value := tensors.FromShape(shapes.Make(dtypes.Uint8, rows, n/rows))
	tensors.MustMutableFlatData(value, func(flat []uint8) { copy(flat, data) })
	if err := value.MaterializeOnDevice(m.backend, false, 0); err != nil {
		return fmt.Errorf("llama: weight %s: %w", name, err)
	}
	value.FinalizeLocal()
	m.addWeight(name, value)
	m.blocks[name] = t
	return nil
}

// QuantizedWeights returns the number of weights the model keeps in a GGUF
// block type (see Options.Quantize): frozen, they can carry an adapter but
// cannot be trained themselves.
func (m *Model) QuantizedWeights() int { return len(m.blocks) }

// blockValues returns a block weight's bytes as its values, rows×cols
// float32, as gguf.Dequantize gives them.
func blockValues(t gguf.Type, data []byte) ([]float32, error) {
	n := len(data) / t.BlockBytes() * t.BlockSize()
	return gguf.Dequantize(t, data, n)
}

// dense returns the graph value of the named weight as a float matrix:
// its variable's value, or, for a block weight, its dequantization in
// float32 (dequantizeGraph). That is a constant of the step: StopGradient
// keeps autodiff from looking for the gradient of the blocks' bit
// operations.
//
// GoMLX's fused GGML dense op (gobackend's FusedQuantizedDense, which reads
// the blocks directly) is not used for the linear modules: in a LoRA step on
// SmolLM2-135M (2 × 128 tokens, Q8_0, the Go backend) it made the step 9.7
// times slower than this (49.5 against 5.1 s; BenchmarkGGUFStep with
// GOMLX_FUSION=true and false), its kernel being made for a few rows of x,
// as in generation.
func (m *Model) dense(g *Graph, name string) *Node {
	w := m.weights[name].NodeValue(g)
	t, ok := m.blocks[name]
	if !ok {
		return w
	}
	return StopGradient(dequantizeGraph(w, t))
}

// gatherRows returns the rows ids [..., 1] (int32) of the named matrix
// [rows, cols] as [..., cols], dequantizing only the rows gathered of a
// block weight.
func (m *Model) gatherRows(g *Graph, name string, ids *Node) *Node {
	t, ok := m.blocks[name]
	if !ok {
		return Gather(m.weight(g, name), ids)
	}
	w := m.weights[name].NodeValue(g)
	rows := Gather(w, ids) // [..., rowBytes] uint8
	dims := rows.Shape().Dimensions
	n := 1
	for _, d := range dims[:len(dims)-1] {
		n *= d
	}
	x := dequantizeGraph(Reshape(rows, n, dims[len(dims)-1]), t)
	out := append(slices.Clone(dims[:len(dims)-1]), x.Shape().Dimensions[1])
	return Reshape(x, out...)
}

// dequantizeGraph dequantizes a block matrix w [rows, bytes per row]
// (uint8) of type t to float32 [rows, cols], with graph ops that every
// backend has: the values are those of gguf.Dequantize.
func dequantizeGraph(w *Node, t gguf.Type) *Node {
	g := w.Graph()
	rows, rowBytes := w.Shape().Dimensions[0], w.Shape().Dimensions[1]
	nb := rowBytes / t.BlockBytes()
	cols := nb * t.BlockSize()
	if gt, ok := ggmlTypes[t]; ok {
		return ggml.Dequantize(w, gt, rows)
	}
	b := Reshape(w, rows, nb, t.BlockBytes())
	half := func(at int) *Node { // an fp16 field of every block → [rows, nb, 1]
		v := Bitcast(Slice(b, AxisRange(), AxisRange(), AxisRange(at, at+2)), dtypes.Float16)
		return Reshape(ConvertDType(v, dtypes.Float32), rows, nb, 1)
	}
	// nibbles returns the 32 4-bit values of 16 bytes at [at, at+16): the
	// low nibbles are values 0..15, the high ones 16..31.
	nibbles := func(at int) *Node {
		q := Slice(b, AxisRange(), AxisRange(), AxisRange(at, at+16))
		lo := BitwiseAnd(q, Scalar(g, dtypes.Uint8, uint8(0x0f)))
		hi := BitwiseShiftRightLogicalScalar(q, uint8(4))
		return ConvertDType(Concatenate([]*Node{lo, hi}, 2), dtypes.Float32)
	}
	// highBits returns bit j of the little-endian uint32 at [at, at+4) as
	// 16 for value j (Q5's fifth bit), for j < 32.
	highBits := func(at int) *Node {
		qh := Reshape(Bitcast(Slice(b, AxisRange(), AxisRange(), AxisRange(at, at+4)), dtypes.Uint32), rows, nb, 1)
		shift := Reshape(Iota(g, shapes.Make(dtypes.Uint32, 32), 0), 1, 1, 32)
		bit := BitwiseAnd(BitwiseShiftRightLogical(BroadcastToDims(qh, rows, nb, 32), BroadcastToDims(shift, rows, nb, 32)),
			Scalar(g, dtypes.Uint32, uint32(1)))
		return MulScalar(ConvertDType(bit, dtypes.Float32), 16)
	}
	var v *Node
	switch t {
	case gguf.TypeQ4_1: // d, m, 16 bytes: d·q + m
		v = Add(Mul(nibbles(4), half(0)), half(2))
	case gguf.TypeQ5_0: // d, qh, 16 bytes: d·(q + 16·h − 16)
		v = Mul(AddScalar(Add(nibbles(6), highBits(2)), -16), half(0))
	case gguf.TypeQ5_1: // d, m, qh, 16 bytes: d·(q + 16·h) + m
		v = Add(Mul(Add(nibbles(8), highBits(4)), half(0)), half(2))
	default:
		panic(fmt.Sprintf("llama: no graph dequantization of %s", t))
	}
	return Reshape(v, rows, cols)
}
