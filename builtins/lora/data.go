package lora

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/formats"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/rawtext"
	"github.com/golora/golora/builtins/tokenizer"
)

// Example is one training example: token ids and, for each, whether the
// loss scores its prediction (Mask; false for the first token, for a prompt
// that TrainOnlyAfter masks, true for the others). It is the type that
// formats.Tokenize and rawtext's Chunks.Examples make.
type Example = formats.Example

// Source is what Train learns from. Its examples are made, and every one of
// them checked, before the first step: a bad row is an error then, not at
// step 900.
type Source struct {
	kind  string
	make  func(ctx context.Context, tok *tokenizer.Tokenizer, cfg Config) ([]Example, error)
	about func(cfg Config) any // what training_prompt.json records
	eval  *Source
}

// WithEval returns a copy of s that evaluates on eval: every EvalEvery steps
// (at the end of each epoch when EvalEvery is 0), the loss on eval is
// logged.
func (s *Source) WithEval(eval *Source) *Source {
	c := *s
	c.eval = eval
	return &c
}

// FromFormat makes a Source of a dataset formatted by a format file: each
// row becomes a text (a row that no template fits is an error, found before
// training), tokenized with BOS and EOS as the Config says; with
// TrainOnlyAfter, the prompt up to the end of that string is not scored.
func FromFormat(ds *data.Dataset, f *formats.Format) *Source {
	return &Source{
		kind: "format",
		make: func(ctx context.Context, tok *tokenizer.Tokenizer, cfg Config) ([]Example, error) {
			if ds == nil || f == nil {
				return nil, errors.New("lora: FromFormat needs a dataset (data.Load) and a format (formats.Load)")
			}
			texts, err := f.Apply(ds)
			if err != nil {
				return nil, err
			}
			return tokenize(ctx, texts, tok, cfg)
		},
		about: func(cfg Config) any {
			var format any
			if f != nil {
				json.Unmarshal([]byte(f.String()), &format)
			}
			name, rows := "", 0
			if ds != nil {
				name, rows = ds.Name(), ds.Len()
			}
			return map[string]any{"source": "format", "format": format, "dataset": name, "rows": rows, "train_only_after": cfg.TrainOnlyAfter}
		},
	}
}

// FromRawText makes a Source of raw-text chunks (rawtext.Chunk), one
// example each, every token scored. A chunk longer than CutoffLen is cut.
func FromRawText(chunks rawtext.Chunks) *Source {
	return &Source{
		kind: "rawtext",
		make: func(_ context.Context, _ *tokenizer.Tokenizer, cfg Config) ([]Example, error) {
			return fromExamples(chunks.Examples(), cfg)
		},
		about: func(Config) any {
			files := map[string]bool{}
			for _, p := range chunks {
				files[p.File] = true
			}
			return map[string]any{"source": "raw text", "files": sortedKeys(files), "chunks": len(chunks), "tokens": chunks.Tokens()}
		},
	}
}

// FromTexts makes a Source of plain texts, one example each, tokenized as
// FromFormat tokenizes formatted rows.
func FromTexts(texts []string) *Source {
	return &Source{
		kind: "texts",
		make: func(ctx context.Context, tok *tokenizer.Tokenizer, cfg Config) ([]Example, error) {
			return tokenize(ctx, texts, tok, cfg)
		},
		about: func(cfg Config) any {
			return map[string]any{"source": "texts", "texts": len(texts), "train_only_after": cfg.TrainOnlyAfter}
		},
	}
}

// FromExamples makes a Source of examples already tokenized.
func FromExamples(examples []Example) *Source {
	return &Source{
		kind: "examples",
		make: func(_ context.Context, _ *tokenizer.Tokenizer, cfg Config) ([]Example, error) {
			return fromExamples(examples, cfg)
		},
		about: func(Config) any { return map[string]any{"source": "examples", "examples": len(examples)} },
	}
}

// errNoTokenizer is the error of a Source that needs the model's tokenizer
// when the model has none; Train adds why it has none.
var errNoTokenizer = errors.New("lora: the model has no tokenizer")

func tokenize(ctx context.Context, texts []string, tok *tokenizer.Tokenizer, cfg Config) ([]Example, error) {
	if tok == nil {
		return nil, errNoTokenizer
	}
	return formats.Tokenize(ctx, texts, tok, formats.TokenizeOptions{
		Cutoff: cfg.CutoffLen, TrainOnlyAfter: cfg.TrainOnlyAfter, AddBOS: !cfg.NoBOS, AddEOS: cfg.AddEOS,
	})
}

// fromExamples checks examples and cuts them to CutoffLen; a missing mask
// scores every token but the first.
func fromExamples(examples []Example, cfg Config) ([]Example, error) {
	out := make([]Example, len(examples))
	for i, e := range examples {
		if len(e.IDs) == 0 {
			return nil, fmt.Errorf("lora: example %d is empty", i)
		}
		mask := e.Mask
		switch {
		case mask == nil:
			mask = make([]bool, len(e.IDs))
			for t := 1; t < len(mask); t++ {
				mask[t] = true
			}
		case len(mask) != len(e.IDs):
			return nil, fmt.Errorf("lora: example %d has %d ids and a mask of %d", i, len(e.IDs), len(mask))
		}
		ids := e.IDs
		if len(ids) > cfg.CutoffLen {
			ids, mask = ids[:cfg.CutoffLen], mask[:cfg.CutoffLen]
		}
		out[i] = Example{IDs: append([]int(nil), ids...), Mask: append([]bool(nil), mask...)}
	}
	return out, nil
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
			if e.Mask[t] {
				b.Labels[r][t] = id
			}
		}
		tokens += len(e.IDs)
	}
	in, err := b.Inputs(vocab)
	return in, tokens, err
}
