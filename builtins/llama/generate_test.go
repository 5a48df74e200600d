package llama

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
)

func TestSamplingIsReproducible(t *testing.T) {
	m, e := testModel(t, "gqa")
	prompt := e.Generations[1].Prompt
	gen := func(opts GenOptions) []int {
		ids, err := m.GenerateIDs(context.Background(), prompt, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	opts := GenOptions{MaxNewTokens: 20, Temperature: 1.5, TopP: 0.95, Seed: 7}
	a, b := gen(opts), gen(opts)
	if !slices.Equal(a, b) {
		t.Errorf("same seed, different samples:\n%v\n%v", a, b)
	}
	opts.Seed = 8
	if c := gen(opts); slices.Equal(a, c) {
		t.Errorf("seeds 7 and 8 gave the same 20 samples %v", a)
	}
	// Keeping only the most likely token is greedy decoding, whatever the temperature.
	if got := gen(GenOptions{MaxNewTokens: 24, Temperature: 3, TopK: 1, Seed: 1}); !slices.Equal(got, e.Generations[1].Output) {
		t.Errorf("top-k 1 gave %v, greedy %v", got, e.Generations[1].Output)
	}
}

func TestGenerateStopsWhenCancelled(t *testing.T) {
	m, e := testModel(t, "gqa")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	ids, err := m.GenerateIDs(ctx, e.Generations[0].Prompt, GenOptions{MaxNewTokens: 24}, func(int) bool {
		if n++; n == 3 {
			cancel()
		}
		return true
	})
	if !errors.Is(err, context.Canceled) || !slices.Equal(ids, e.Generations[0].Output[:3]) {
		t.Errorf("cancelled after 3 tokens: got %v, %v; want %v and context.Canceled", ids, err, e.Generations[0].Output[:3])
	}
	ids, err = m.GenerateIDs(context.Background(), e.Generations[0].Prompt, GenOptions{MaxNewTokens: 24}, func(int) bool { return len(ids) < 1 })
	if err != nil || len(ids) != 1 {
		t.Errorf("onToken returning false after the first token: %v, %v", ids, err)
	}
}

// TestSamplerDistribution checks that temperature, top-k and top-p sample
// the distribution their definitions give, computed here independently.
func TestSamplerDistribution(t *testing.T) {
	logits := []float32{2, 1, 0.5, 3, -1, 0}
	cases := []struct {
		opts GenOptions
		keep []int // Tokens that may be sampled.
	}{
		{GenOptions{Temperature: 1}, []int{0, 1, 2, 3, 4, 5}},
		{GenOptions{Temperature: 0.5, TopK: 3}, []int{3, 0, 1}},
		// Probabilities at T=1: token 3 .605, token 0 .223: together .828 ≥ .8.
		{GenOptions{Temperature: 1, TopP: 0.8}, []int{3, 0}},
		{GenOptions{Temperature: 1, TopP: 0.6}, []int{3}},
	}
	for _, c := range cases {
		want := make([]float64, len(logits))
		sum := 0.0
		for _, id := range c.keep {
			want[id] = math.Exp(float64(logits[id]) / c.opts.Temperature)
			sum += want[id]
		}
		c.opts.Seed = 42
		s := newSampler(c.opts)
		const n = 20000
		counts := make([]float64, len(logits))
		for range n {
			counts[s.next(logits)]++
		}
		for id := range logits {
			if p := want[id] / sum; math.Abs(counts[id]/n-p) > 0.015 {
				t.Errorf("%+v: token %d sampled %.3f of the time, want %.3f", c.opts, id, counts[id]/n, p)
			}
		}
	}
}
