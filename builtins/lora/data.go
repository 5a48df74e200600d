package lora

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/golora/golora/builtins/llama"
)

// Example is one training example: token ids, and for each the choice
// whether the loss scores its prediction (false for a prompt that
// TrainOnlyAfter masks, and for the first token, which nothing predicts).
type Example struct {
	IDs    []int
	Scored []bool
}

// Source is what Train learns from. Its examples are made, and every one of
// them checked, before the first step: a bad row is an error then, not at
// step 900.
type Source struct {
	kind  string
	make  func(tok Tokenizer, cfg Config) ([]Example, error)
	about func(cfg Config) any // what training_prompt.json records
	eval  *Source
}

// Tokenizer is what a Source needs of a tokenizer.
type Tokenizer interface {
	Encode(text string, addBOS bool) []int
	EncodeOffsets(text string, addBOS bool) (ids []int, offsets []int)
	BOS() int
	EOS() int
	PAD() int
}

// WithEval returns a copy of s that evaluates on eval: every EvalEvery steps
// and at the end of the run, the loss on eval is logged.
func (s *Source) WithEval(eval *Source) *Source {
	c := *s
	c.eval = eval
	return &c
}

// FromExamples makes a Source of examples already tokenized.
func FromExamples(examples []Example) *Source {
	return &Source{
		kind: "examples",
		make: func(_ Tokenizer, cfg Config) ([]Example, error) {
			out := make([]Example, len(examples))
			for i, e := range examples {
				if len(e.Scored) != 0 && len(e.Scored) != len(e.IDs) {
					return nil, fmt.Errorf("lora: example %d has %d ids and %d scored flags", i, len(e.IDs), len(e.Scored))
				}
				if len(e.IDs) == 0 {
					return nil, fmt.Errorf("lora: example %d is empty", i)
				}
				out[i] = cut(e, cfg.CutoffLen)
			}
			return out, nil
		},
		about: func(Config) any { return map[string]any{"source": "examples", "examples": len(examples)} },
	}
}

// FromTexts makes a Source of plain texts, one example each, with BOS and
// EOS as the Config says. Every token is scored, except with TrainOnlyAfter
// those up to the end of that string. A text longer than CutoffLen tokens is
// cut.
func FromTexts(texts []string) *Source {
	return &Source{
		kind: "texts",
		make: func(tok Tokenizer, cfg Config) ([]Example, error) {
			var out []Example
			for i, t := range texts {
				if strings.TrimSpace(t) == "" {
					continue
				}
				e, err := encodeText(tok, t, cfg)
				if err != nil {
					return nil, fmt.Errorf("lora: text %d: %w", i, err)
				}
				out = append(out, e)
			}
			return out, nil
		},
		about: func(Config) any { return map[string]any{"source": "texts", "texts": len(texts)} },
	}
}

// encodeText tokenizes one example's text and marks the tokens the loss
// scores: all but the first, and with TrainOnlyAfter none that starts
// before the end of its first occurrence in the text — the prompt. A text
// without the string is an error: training on it would learn the prompt.
func encodeText(tok Tokenizer, text string, cfg Config) (Example, error) {
	ids, offsets := tok.EncodeOffsets(text, !cfg.NoBOS)
	if len(ids) == 0 {
		return Example{}, fmt.Errorf("no tokens")
	}
	scored := make([]bool, len(ids))
	from := 0
	if cfg.TrainOnlyAfter != "" {
		i := strings.Index(text, cfg.TrainOnlyAfter)
		if i < 0 {
			return Example{}, fmt.Errorf("does not contain TrainOnlyAfter %q: %.60q", cfg.TrainOnlyAfter, text)
		}
		from = i + len(cfg.TrainOnlyAfter)
	}
	for t := 1; t < len(ids); t++ {
		scored[t] = offsets[t] >= from
	}
	if cfg.AddEOS && tok.EOS() >= 0 {
		ids = append(ids, tok.EOS())
		scored = append(scored, true)
	}
	return cut(Example{IDs: ids, Scored: scored}, cfg.CutoffLen), nil
}

// cut trims an example to n tokens and fills in Scored: every token but the
// first when the example does not say.
func cut(e Example, n int) Example {
	ids := e.IDs
	scored := e.Scored
	if scored == nil {
		scored = make([]bool, len(ids))
		for i := 1; i < len(ids); i++ {
			scored[i] = true
		}
	}
	if len(ids) > n {
		ids, scored = ids[:n], scored[:n]
	}
	return Example{IDs: append([]int(nil), ids...), Scored: append([]bool(nil), scored...)}
}

// order returns the order of n examples in epoch (from 0) of a run with
// seed: a permutation drawn from the seed and the epoch alone, so that a
// resumed run can draw it again.
func order(n int, seed int64, epoch int) []int {
	r := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15^uint64(epoch)))
	return r.Perm(n)
}

// bucket rounds a micro-batch's length up to a multiple of 32 (or of 8 when
// short), at most cutoff: few distinct shapes, so few graphs to compile.
func bucket(n, cutoff int) int {
	step := 32
	if n <= 32 {
		step = 8
	}
	b := (n + step - 1) / step * step
	return min(max(b, 2), cutoff)
}

// batch turns examples into a micro-batch of rows rows (empty rows pad a
// short last batch), padded on the right with pad; padding and unscored
// tokens are not in the loss.
func batch(examples []Example, rows, cutoff, pad, vocab int) (llama.Inputs, int, error) {
	longest := 0
	for _, e := range examples {
		longest = max(longest, len(e.IDs))
	}
	seq := bucket(longest, cutoff)
	b := llama.Batch{Tokens: make([][]int, rows), Mask: make([][]int, rows), Labels: make([][]int, rows)}
	tokens := 0
	if pad < 0 {
		pad = 0
	}
	for r := range rows {
		b.Tokens[r] = make([]int, seq)
		b.Mask[r] = make([]int, seq)
		b.Labels[r] = make([]int, seq)
		for t := range seq {
			b.Tokens[r][t] = pad
			b.Labels[r][t] = llama.IgnoreLabel
		}
		if r >= len(examples) {
			continue
		}
		e := examples[r]
		for t, id := range e.IDs {
			b.Tokens[r][t] = id
			b.Mask[r][t] = 1
			if e.Scored[t] {
				b.Labels[r][t] = id
			}
		}
		tokens += len(e.IDs)
	}
	in, err := b.Inputs(vocab)
	return in, tokens, err
}
