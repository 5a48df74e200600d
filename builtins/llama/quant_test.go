package llama

import (
	"context"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/internal/testfiles"
)

// randomBlocks returns rows of random blocks of type t whose half-precision
// scale and minimum fields hold small finite values.
func randomBlocks(t gguf.Type, rows, cols int, rng *rand.Rand) []byte {
	n, _ := t.Bytes(rows * cols)
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(rng.UintN(256))
	}
	halves := 1 // d
	if t == gguf.TypeQ4_1 || t == gguf.TypeQ5_1 {
		halves = 2 // d, m
	}
	for b := 0; b < n; b += t.BlockBytes() {
		for h := range halves {
			v := safetensors.Float32ToHalf(float32(rng.NormFloat64() * 0.01))
			binary.LittleEndian.PutUint16(data[b+2*h:], v)
		}
	}
	return data
}

// TestDequantizeGraph checks the graph's dequantization of every block type
// the model keeps against gguf.Dequantize (itself checked block for block
// against the gguf Python package): the same float32 values, exactly.
func TestDequantizeGraph(t *testing.T) {
	backend, _, err := newBackend()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	const rows, cols = 5, 96
	for bt := range blockTypes {
		data := randomBlocks(bt, rows, cols, rng)
		want, err := gguf.Dequantize(bt, data, rows*cols)
		if err != nil {
			t.Fatal(err)
		}
		w := tensors.FromFlatDataAndDimensions(data, rows, len(data)/rows)
		got := MustNewExec(backend, func(w *Node) *Node { return dequantizeGraph(w, bt) }).MustExec(w)[0]
		vals := tensors.MustCopyFlatData[float32](got)
		if d := got.Shape().Dimensions; len(d) != 2 || d[0] != rows || d[1] != cols {
			t.Fatalf("%s: shape %v, want [%d %d]", bt, d, rows, cols)
		}
		for i := range want {
			if vals[i] != want[i] {
				t.Errorf("%s: value %d (row %d): graph %g, gguf.Dequantize %g", bt, i, i/cols, vals[i], want[i])
				break
			}
		}
	}
}

// TestBlockLinear checks the products of block weights — dequantized by
// GoMLX's GGML layer for Q8_0 and Q4_0, by golora for the others — and the
// gathering of rows against float32 products of the dequantized
// values.
func TestBlockLinear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	cfg := Config{HiddenSize: 64, IntermediateSize: 96, NumLayers: 1, NumHeads: 2, NumKVHeads: 1, HeadDim: 32,
		VocabSize: 64, RMSNormEps: 1e-5, RopeTheta: 10000, MaxPositionEmbeddings: 64}
	m, err := newModel(cfg, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	const out, in, n = 48, 64, 6
	x := make([]float32, n*in)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	for bt := range blockTypes {
		name := "w_" + bt.String() + ".weight"
		data := randomBlocks(bt, out, in, rng)
		if err := m.addBlockWeight(name, bt, out, in, data); err != nil {
			t.Fatal(err)
		}
		if dt := m.weights[name].DType(); dt != dtypes.Uint8 {
			t.Errorf("%s: kept as %s, want uint8 blocks", bt, dt)
		}
		w, _ := gguf.Dequantize(bt, data, out*in)
		exec, err := model.NewExec(m.backend, m.store, func(_ *model.Scope, x, ids *Node) []*Node {
			return []*Node{productIn(m.compute, x, []int{-1}, m.dense(x.Graph(), name), []int{1}), m.gatherRows(x.Graph(), name, ids)}
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := exec.Exec(tensors.FromFlatDataAndDimensions(x, 1, n, in), tensors.FromFlatDataAndDimensions([]int32{3, 0, 47}, 3, 1))
		if err != nil {
			t.Fatalf("%s: %v", bt, err)
		}
		y := tensors.MustCopyFlatData[float32](res[0])
		var worst, scale float64
		for r := range n {
			for o := range out {
				var s float64
				for k := range in {
					s += float64(x[r*in+k]) * float64(w[o*in+k])
				}
				worst = math.Max(worst, math.Abs(s-float64(y[r*out+o])))
				scale = math.Max(scale, math.Abs(s))
			}
		}
		if worst > 1e-5*math.Max(scale, 1) {
			t.Errorf("%s: x·Wᵀ off by %g (largest %g)", bt, worst, scale)
		}
		rows := tensors.MustCopyFlatData[float32](res[1])
		for i, id := range []int{3, 0, 47} {
			for k := range in {
				if rows[i*in+k] != w[id*in+k] {
					t.Fatalf("%s: gathered row %d col %d: %g, want %g", bt, id, k, rows[i*in+k], w[id*in+k])
				}
			}
		}
	}
}

// TestQuantizedGGUF loads SmolLM2 keeping its blocks (the default), and
// with Options.Quantize "none" (every tensor dequantized at load) and
// "q8_0" (its Q4_1 tensors converted once at load): the first takes at most
// 1.3 times the file's size and computes the second's logits; the third's
// logits differ by what rounding Q4_1's values to 8 bits costs.
func TestQuantizedGGUF(t *testing.T) {
	path := testfiles.SmolLM2(t)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(kept.MemoryBytes()) / float64(st.Size())
	t.Logf("kept: %.1f MiB for a %.1f MiB file (%.2f×): %s", float64(kept.MemoryBytes())/(1<<20), float64(st.Size())/(1<<20), ratio, kept.keptIn())
	if ratio > 1.3 {
		t.Errorf("the quantized base takes %.2f× the file's size, want ≤ 1.3×", ratio)
	}
	if s := kept.String(); !strings.Contains(s, "Q4_1 ×210, Q8_0 ×1") {
		t.Errorf("summary does not say the blocks kept:\n%s", s)
	}
	ids := make([]int, 96)
	for i := range ids {
		ids[i] = (i*7919 + 13) % kept.Config.VocabSize
	}
	logits := func(m *Model) []float32 {
		t.Helper()
		out, err := m.Forward(context.Background(), Batch{Tokens: [][]int{ids}})
		if err != nil {
			t.Fatal(err)
		}
		return out.Logits
	}
	want := logits(kept)
	for _, c := range []struct {
		quantize string
		bound    float64
	}{{"none", 1e-4}, {"q8_0", 1}} {
		m, err := Load(context.Background(), path, Options{Quantize: c.quantize})
		if err != nil {
			t.Fatal(err)
		}
		got := logits(m)
		var worst, sum float64
		for i := range want {
			d := math.Abs(float64(got[i] - want[i]))
			worst, sum = math.Max(worst, d), sum+d
		}
		t.Logf("Quantize %q: %.1f MiB, max |Δlogit| %.3g, mean %.3g against the kept blocks", c.quantize, float64(m.MemoryBytes())/(1<<20), worst, sum/float64(len(want)))
		if worst > c.bound {
			t.Errorf("Quantize %q: logits differ by up to %g from the kept blocks' (want ≤ %g)", c.quantize, worst, c.bound)
		}
	}
}
