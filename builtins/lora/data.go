package lora

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/formats"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/rawtext"
	"github.com/golora/golora/builtins/tokenizer"
	"github.com/golora/golora/internal/llamagraph"
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
	make  func(ctx context.Context, model *llama.Model, cfg Config) (made, error)
	about func(cfg Config) any // what training_prompt.json records
	eval  *Source
}

// made is what a Source makes: its examples and, for each, how a message
// names it ("row 3 (line 4)"; nil: "example 3"), and notes for the plan.
type made struct {
	examples []Example
	names    []string
	notes    []string
}

// name returns how messages name example i.
func (m made) name(i int) string {
	if m.names != nil {
		return m.names[i]
	}
	return fmt.Sprintf("example %d", i)
}

// rowNames names n examples made of a dataset's rows, one each.
func rowNames(ds *data.Dataset, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = ds.RowName(i)
	}
	return names
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
		make: func(ctx context.Context, model *llama.Model, cfg Config) (made, error) {
			if ds == nil || f == nil {
				return made{}, errors.New("lora: FromFormat needs a dataset (data.Load) and a format (formats.Load)")
			}
			if cfg.limit > 0 {
				ds = ds.Head(cfg.limit)
			}
			texts, err := f.Apply(ds)
			if err != nil {
				return made{}, err
			}
			examples, err := tokenize(ctx, texts, model.Tokenizer(), cfg)
			return made{examples: examples, names: rowNames(ds, len(examples))}, err
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
		make: func(_ context.Context, _ *llama.Model, cfg Config) (made, error) {
			chunks := chunks
			if cfg.limit > 0 {
				chunks = chunks[:min(cfg.limit, len(chunks))]
			}
			examples, err := fromExamples(chunks.Examples(), cfg)
			names := make([]string, len(chunks))
			for i, c := range chunks {
				names[i] = fmt.Sprintf("chunk %d (%s)", i, c.File)
			}
			return made{examples: examples, names: names}, err
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
		make: func(ctx context.Context, model *llama.Model, cfg Config) (made, error) {
			texts := texts
			if cfg.limit > 0 {
				texts = texts[:min(cfg.limit, len(texts))]
			}
			examples, err := tokenize(ctx, texts, model.Tokenizer(), cfg)
			return made{examples: examples}, err
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
		make: func(_ context.Context, _ *llama.Model, cfg Config) (made, error) {
			examples := examples
			if cfg.limit > 0 {
				examples = examples[:min(cfg.limit, len(examples))]
			}
			out, err := fromExamples(examples, cfg)
			return made{examples: out}, err
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
		ids, cut := e.IDs, e.Truncated
		if len(ids) > cfg.CutoffLen {
			ids, mask, cut = ids[:cfg.CutoffLen], mask[:cfg.CutoffLen], cut+len(ids)-cfg.CutoffLen
		}
		out[i] = Example{IDs: append([]int(nil), ids...), Mask: append([]bool(nil), mask...), Truncated: cut}
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
func batch(examples []Example, rows, cutoff, pad, vocab int) (llamagraph.Inputs, int, error) {
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
			if e.Segments != nil {
				b.Mask[r][t] = e.Segments[t]
			}
			if e.Mask[t] {
				b.Labels[r][t] = id
			}
		}
		tokens += len(e.IDs)
	}
	in, err := llamagraph.NewInputs(b.Tokens, b.Mask, b.Labels, vocab)
	return in, tokens, err
}

// pack packs examples into rows of at most cutoff tokens, as Config.Packing
// asks: the longest first, each into the first row with room for it
// (first-fit decreasing), so that rows are full and their number small;
// ties keep the examples' order, so that a run packs the same way each
// time. Each row's Segments number its examples from 1.
func pack(examples []Example, cutoff int) []Example {
	idx := make([]int, len(examples))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return len(examples[idx[a]].IDs) > len(examples[idx[b]].IDs) })
	var rows []Example
	for _, i := range idx {
		e := examples[i]
		r := 0
		for r < len(rows) && len(rows[r].IDs)+len(e.IDs) > cutoff {
			r++
		}
		if r == len(rows) {
			rows = append(rows, Example{})
		}
		row := &rows[r]
		seg := 1
		if n := len(row.Segments); n > 0 {
			seg = row.Segments[n-1] + 1
		}
		row.IDs = append(row.IDs, e.IDs...)
		row.Mask = append(row.Mask, e.Mask...)
		for range e.IDs {
			row.Segments = append(row.Segments, seg)
		}
	}
	return rows
}

// countTrue counts the true values of mask.
func countTrue(mask []bool) int {
	n := 0
	for _, m := range mask {
		if m {
			n++
		}
	}
	return n
}
