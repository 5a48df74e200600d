package lora

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// optimizerCase is values, their gradients at each step and the steps'
// learning rates.
type optimizerCase struct {
	WeightDecay float64   `json:"weight_decay"`
	LR          []float64 `json:"lr"`
	Params      []struct {
		Shape []int       `json:"shape"`
		Value []float32   `json:"value"`
		Grads [][]float32 `json:"grads"`
	} `json:"params"`
}

// runOptimizer applies the optimizer called name to the case's values, one
// step per learning rate, in a graph as the engine does, and returns the
// values after each step.
func runOptimizer(t *testing.T, name string, c optimizerCase) [][][]float32 {
	t.Helper()
	backend, err := gobackend.New("ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	opt := lookupOptimizer(name).new(Config{WeightDecay: c.WeightDecay})
	store := model.NewStore()
	scp := store.Scope("/test")
	var params []*model.Variable
	var state [][]*model.Variable
	for i, p := range c.Params {
		v := scp.At("%d", i).VariableWithValue("w", tensors.FromFlatDataAndDimensions(slices.Clone(p.Value), p.Shape...))
		params = append(params, v)
		var vars []*model.Variable
		for _, s := range opt.slots(v.Shape()) {
			vars = append(vars, scp.At("%d", i).VariableWithValue(s.name, tensors.FromShape(s.shape)).SetTrainable(false))
		}
		state = append(state, vars)
	}
	exe, err := model.NewExec(backend, store, func(ctx *model.Scope, inputs []*graph.Node) []*graph.Node {
		g := inputs[0].Graph()
		sc := inputs[len(params):]
		for i, p := range params {
			st := make([]*graph.Node, len(state[i]))
			for j, v := range state[i] {
				st[j] = v.NodeValue(g)
			}
			w, next := opt.update(p.NodeValue(g), inputs[i], st, sc)
			for j, v := range state[i] {
				v.SetNodeValue(next[j])
			}
			p.SetNodeValue(w)
		}
		return []*graph.Node{graph.ScalarOne(g, dtypes.Float32)}
	})
	if err != nil {
		t.Fatal(err)
	}
	var out [][][]float32
	for s, lr := range c.LR {
		var args []any
		for _, p := range c.Params {
			args = append(args, tensors.FromFlatDataAndDimensions(slices.Clone(p.Grads[s]), p.Shape...))
		}
		for _, x := range opt.scalars(lr, s+1) {
			args = append(args, float32(x))
		}
		if _, err := exe.Exec(args...); err != nil {
			t.Fatalf("step %d: %v", s+1, err)
		}
		var step [][]float32
		for _, p := range params {
			step = append(step, tensors.MustCopyFlatData[float32](p.MustValue()))
		}
		out = append(out, step)
	}
	return out
}

// TestAdafactorHandStep checks a first step of Adafactor computed by hand
// (β₂ of step 1 is 0, so the moments are the step's G²+ε). For the matrix
// G = [[2, 0], [0, 0]] the rows' and the columns' means of G²+ε are both
// [2, ε]; the row factor rsqrt(row/mean(row)) and the column factor
// rsqrt(col) are both [1/√2, 1/√ε], so the update G·(r⊗c) is
// [[1, 0], [0, 0]], of RMS ½ (not clipped): W moves by −lr at [0][0] only.
// For the vector G = [3, 0, 0, −4] the update G/√(G²+ε) is [1, 0, 0, −1],
// of RMS √½. Weight decay 0.1 first scales W by 1 − 0.1·lr.
func TestAdafactorHandStep(t *testing.T) {
	var c optimizerCase
	c.WeightDecay, c.LR = 0.1, []float64{0.5}
	c.Params = append(c.Params, struct {
		Shape []int       `json:"shape"`
		Value []float32   `json:"value"`
		Grads [][]float32 `json:"grads"`
	}{[]int{2, 2}, []float32{1, 2, 3, 4}, [][]float32{{2, 0, 0, 0}}}, struct {
		Shape []int       `json:"shape"`
		Value []float32   `json:"value"`
		Grads [][]float32 `json:"grads"`
	}{[]int{4}, []float32{1, 1, 1, 1}, [][]float32{{3, 0, 0, -4}}})
	got := runOptimizer(t, "adafactor", c)[0]
	decay := float32(1 - 0.1*0.5)
	want := [][]float32{
		{1*decay - 0.5, 2 * decay, 3 * decay, 4 * decay},
		{decay - 0.5, decay, decay, decay + 0.5},
	}
	for i := range want {
		for j := range want[i] {
			if d := math.Abs(float64(got[i][j] - want[i][j])); d > 1e-6 {
				t.Errorf("param %d[%d] = %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// TestAdafactorMatchesTransformers runs five steps of Adafactor on a
// matrix, a wide matrix and a vector with random gradients, and compares
// the values after each step with transformers' Adafactor's (through
// $GOLORA_PYTHON, testdata/adafactor_reference.py).
func TestAdafactorMatchesTransformers(t *testing.T) {
	python := os.Getenv("GOLORA_PYTHON")
	if python == "" {
		if testing.Short() {
			t.Skip("GOLORA_PYTHON not set")
		}
		t.Fatal("GOLORA_PYTHON is not set: run with `make test`, or set it to a Python with torch and transformers")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var c optimizerCase
	c.WeightDecay, c.LR = 0.01, []float64{1e-2, 3e-2, 2e-2, 1e-2, 5e-3}
	for _, shape := range [][]int{{6, 5}, {3, 9}, {7}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		p := struct {
			Shape []int       `json:"shape"`
			Value []float32   `json:"value"`
			Grads [][]float32 `json:"grads"`
		}{Shape: shape}
		for range n {
			p.Value = append(p.Value, float32(rng.NormFloat64()))
		}
		for s := range c.LR {
			var g []float32
			for i := range n {
				// Gradients of different sizes per element and step, a few
				// exactly zero, so that clipping and the factoring matter.
				x := float32(rng.NormFloat64() * math.Pow(10, float64((i+s)%4-2)))
				if (i+3*s)%11 == 0 {
					x = 0
				}
				g = append(g, x)
			}
			p.Grads = append(p.Grads, g)
		}
		c.Params = append(c.Params, p)
	}
	in, _ := json.Marshal(c)
	cmd := exec.Command(python, "testdata/adafactor_reference.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		t.Fatalf("adafactor_reference.py: %v\n%s", err, stderr.String())
	}
	var ref struct{ Steps [][][]float64 }
	if err := json.Unmarshal(res, &ref); err != nil {
		t.Fatal(err)
	}
	got := runOptimizer(t, "adafactor", c)
	worst := 0.0
	for s := range ref.Steps {
		for i := range ref.Steps[s] {
			for j, want := range ref.Steps[s][i] {
				d := math.Abs(float64(got[s][i][j]) - want)
				worst = max(worst, d)
				if d > 1e-6*max(1, math.Abs(want)) {
					t.Errorf("step %d, param %d[%d]: %v, transformers %v", s+1, i, j, got[s][i][j], want)
				}
			}
		}
	}
	t.Logf("%d steps on shapes %v, %v, %v: within %.2g of transformers' Adafactor", len(c.LR), c.Params[0].Shape, c.Params[1].Shape, c.Params[2].Shape, worst)
}

// TestOptimizerTable checks that every optimizer of the table keeps slots
// of the shapes it asks for and that Config names the table's optimizers in
// its error.
func TestOptimizerTable(t *testing.T) {
	s := shapes.Make(dtypes.Float32, 4, 3)
	for _, k := range optimizers {
		opt := k.new(Config{})
		for _, sl := range opt.slots(s) {
			if sl.shape.DType != dtypes.Float32 || sl.name == "" {
				t.Errorf("%s: slot %+v", k.name, sl)
			}
		}
		if k.doc == "" {
			t.Errorf("%s has no doc line", k.name)
		}
		if _, err := (Config{Name: "x", Optimizer: k.name}).withDefaults(); err != nil {
			t.Errorf("%s: %v", k.name, err)
		}
	}
	_, err := Config{Name: "x", Optimizer: "lion"}.withDefaults()
	if err == nil || !strings.Contains(err.Error(), strings.Join(Optimizers(), ", ")) {
		t.Errorf("unknown optimizer: %v", err)
	}
}
