package llama

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/golora/golora/builtins/safetensors"
)

// testModels are the tiny models that testdata/make_models.py makes with
// transformers.
var testModels = []string{"gqa", "tied", "llama3"}

// expected is a model's reference outputs from testdata/make_models.py.
type expected struct {
	InputIDs      [][]int `json:"input_ids"`
	AttentionMask [][]int `json:"attention_mask"`
	Labels        [][]int
	Loss          float64
	NumParameters int64 `json:"num_parameters"`
	Generations   []struct {
		Prompt       []int
		MaxNewTokens int `json:"max_new_tokens"`
		Output       []int
	}
	PerplexityIDs []int `json:"perplexity_ids"`
	Perplexity    []struct {
		MaxLength               int `json:"max_length"`
		Stride, Tokens, Windows int
		NLLSum                  float64 `json:"nll_sum"`
		PPL                     float64
	}
	tensors *safetensors.File
}

var (
	loadedMu sync.Mutex
	loaded   = map[string]*Model{}
)

// testModel loads a test model once per test binary, with its references.
func testModel(t *testing.T, name string) (*Model, expected) {
	t.Helper()
	loadedMu.Lock()
	defer loadedMu.Unlock()
	m := loaded[name]
	if m == nil {
		var err error
		if m, err = Load(context.Background(), filepath.Join("testdata", "models", name)); err != nil {
			t.Fatal(err)
		}
		loaded[name] = m
	}
	var e expected
	raw, err := os.ReadFile(filepath.Join("testdata", "expected", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	if e.tensors, err = safetensors.Open(filepath.Join("testdata", "expected", name+".safetensors")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.tensors.Close() })
	return m, e
}

func TestLogitsAndLossMatchTransformers(t *testing.T) {
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			m, e := testModel(t, name)
			if got := m.NumParameters(); got != e.NumParameters {
				t.Errorf("NumParameters = %d, transformers counts %d", got, e.NumParameters)
			}
			out, err := m.Forward(context.Background(), Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels})
			if err != nil {
				t.Fatal(err)
			}
			want, err := e.tensors.Float32s("logits")
			if err != nil {
				t.Fatal(err)
			}
			worst := 0.0
			for r, row := range e.AttentionMask {
				for p, real := range row {
					if real == 0 {
						continue // transformers' logits at padding are not compared.
					}
					got := out.At(r, p)
					for v, g := range got {
						worst = math.Max(worst, math.Abs(float64(g)-float64(want[(r*out.Seq+p)*out.Vocab+v])))
					}
				}
			}
			if worst > 1e-4 {
				t.Errorf("logits differ from transformers' by up to %g", worst)
			}
			if d := math.Abs(out.Loss - e.Loss); d > 1e-4 {
				t.Errorf("loss %v, transformers %v", out.Loss, e.Loss)
			}
			t.Logf("max |Δlogit| %.2g, loss %v (transformers %v)", worst, out.Loss, e.Loss)
		})
	}
}

// trainableTestModel loads a test model of its own, every weight
// trainable, with transformers' expected values.
func trainableTestModel(t *testing.T, name string) (*Model, expected) {
	_, e := testModel(t, name)
	m, err := Load(context.Background(), filepath.Join("testdata", "models", name)) // Not the shared copy.
	if err != nil {
		t.Fatal(err)
	}
	m.SetTrainable(true)
	return m, e
}

func TestGradientsMatchTorch(t *testing.T) {
	m, e := trainableTestModel(t, "gqa")
	loss, grads, err := m.Gradients(context.Background(), Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(loss-e.Loss) > 1e-4 {
		t.Errorf("loss %v, torch %v", loss, e.Loss)
	}
	if len(grads) != len(m.WeightNames()) {
		t.Errorf("%d gradients for %d weights", len(grads), len(m.WeightNames()))
	}
	for _, name := range m.WeightNames() {
		want, err := e.tensors.Float32s("grad." + name)
		if err != nil {
			t.Fatal(err)
		}
		got := grads[name]
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
		}
		worst, scale := 0.0, 0.0
		for i := range got {
			worst = math.Max(worst, math.Abs(float64(got[i]-want[i])))
			scale = math.Max(scale, math.Abs(float64(want[i])))
		}
		if worst > 1e-5+1e-4*scale {
			t.Errorf("%s: gradient differs from torch's by up to %g (largest |grad| %g)", name, worst, scale)
		}
		t.Logf("%-45s max |Δ| %.2g of %.2g", name, worst, scale)
	}
}

func TestGreedyGenerationMatchesTransformers(t *testing.T) {
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			m, e := testModel(t, name)
			for _, gen := range e.Generations {
				got, err := m.GenerateIDs(context.Background(), gen.Prompt, GenOptions{MaxNewTokens: gen.MaxNewTokens}, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, gen.Output) {
					t.Errorf("prompt %v:\n got %v\nwant %v", gen.Prompt, got, gen.Output)
				}
			}
		})
	}
}

func TestPerplexityMatchesTransformers(t *testing.T) {
	for _, name := range testModels {
		t.Run(name, func(t *testing.T) {
			m, e := testModel(t, name)
			for _, want := range e.Perplexity {
				got, err := m.PerplexityIDs(context.Background(), e.PerplexityIDs, want.MaxLength, want.Stride)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(got.PPL-want.PPL) > 1e-4*want.PPL || got.Scored != want.Tokens || got.Windows != want.Windows {
					t.Errorf("max_length %d, stride %d: PPL %v over %d tokens in %d windows; transformers %v over %d in %d",
						want.MaxLength, want.Stride, got.PPL, got.Scored, got.Windows, want.PPL, want.Tokens, want.Windows)
				}
			}
		})
	}
}
