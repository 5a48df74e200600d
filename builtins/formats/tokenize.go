package formats

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/golora/golora/builtins/tokenizer"
)

// DefaultCutoff is the cutoff, in tokens, when TokenizeOptions leaves it 0,
// and training's default (lora.Config.CutoffLen).
const DefaultCutoff = 256

// TokenizeOptions say how Tokenize makes training examples of texts.
type TokenizeOptions struct {
	// Cutoff is the most tokens an example holds, BOS and EOS included;
	// a longer text is cut at its end. 0 means DefaultCutoff.
	Cutoff int
	// TrainOnlyAfter, when not "", keeps the tokens up to the end of its
	// first occurrence in a text out of the loss, so that a model learns
	// the response and not the prompt. A text without it is trained on
	// whole.
	TrainOnlyAfter string
	// AddBOS puts the tokenizer's beginning-of-sequence token first.
	AddBOS bool
	// AddEOS appends the end-of-sequence token to a text that fits in the
	// cutoff with room for it; a text cut at the cutoff gets none, since
	// it does not end there.
	AddEOS bool
}

// An Example is one text as a model trains on it.
type Example struct {
	IDs []int
	// Mask[i] reports whether token i is a target of the loss, that is,
	// whether the loss counts the prediction of IDs[i] from IDs[:i]. It is
	// false for the first token (nothing comes before it to predict it)
	// and for every token that ends at or before the end of the
	// train-only-after string; true for all others, the EOS included.
	Mask []bool
	// Truncated is how many tokens the cutoff dropped from the end.
	Truncated int
	// Segments, in a packed example (several examples in one row: lora's
	// Config.Packing), numbers the example each token belongs to, from 1,
	// in contiguous runs; attention never crosses them and positions
	// restart at each. Nil for an example of one piece.
	Segments []int
}

// Tokenize turns texts into examples, in order: token ids cut to the
// cutoff, and a loss mask. A token belongs to the masked prompt when its
// text ends at or before the end of the train-only-after string (its first
// occurrence); a token that straddles that end holds response text, and is
// trained on. Tokens come from one encoding of the whole text, so they are
// the tokens the model sees at inference, whatever the string's end splits.
//
// Texts are tokenized on all CPUs; ctx stops the work, and Tokenize then
// returns ctx's error. Padding examples to one length is the trainer's job.
func Tokenize(ctx context.Context, texts []string, tok *tokenizer.Tokenizer, opts TokenizeOptions) ([]Example, error) {
	if tok == nil {
		return nil, fmt.Errorf("formats: tokenize: no tokenizer: load one with tokenizer.Load")
	}
	if opts.Cutoff == 0 {
		opts.Cutoff = DefaultCutoff
	}
	if opts.Cutoff < 2 {
		return nil, fmt.Errorf("formats: tokenize: cutoff %d is too small: an example needs at least 2 tokens", opts.Cutoff)
	}
	if opts.AddBOS && tok.BOS() < 0 {
		return nil, fmt.Errorf("formats: tokenize: AddBOS is set, but tokenizer %s has no BOS token", tok)
	}
	if opts.AddEOS && tok.EOS() < 0 {
		return nil, fmt.Errorf("formats: tokenize: AddEOS is set, but tokenizer %s has no EOS token", tok)
	}
	examples := make([]Example, len(texts))
	err := forEach(ctx, len(texts), func(i int) {
		examples[i] = example(texts[i], tok, opts)
	})
	if err != nil {
		return nil, fmt.Errorf("formats: tokenize: %w", err)
	}
	return examples, nil
}

// example tokenizes one text.
func example(text string, tok *tokenizer.Tokenizer, opts TokenizeOptions) Example {
	ids, offsets := tok.EncodeOffsets(text, opts.AddBOS)
	promptEnd := -1 // no prompt: every token is trained on, even one of no width
	if opts.TrainOnlyAfter != "" {
		if i := strings.Index(text, opts.TrainOnlyAfter); i >= 0 {
			promptEnd = i + len(opts.TrainOnlyAfter)
		}
	}
	n := min(len(ids), opts.Cutoff)
	ex := Example{IDs: ids[:n:n], Mask: make([]bool, n), Truncated: len(ids) - n}
	for i := 1; i < n; i++ {
		end := len(text)
		if i+1 < len(offsets) {
			end = offsets[i+1]
		}
		ex.Mask[i] = end > promptEnd
	}
	if opts.AddEOS && ex.Truncated == 0 && n < opts.Cutoff {
		ex.IDs = append(ex.IDs, tok.EOS())
		ex.Mask = append(ex.Mask, true)
	}
	return ex
}

// TokenLengths returns the number of tokens of each text as a training
// example starts out before the cutoff: the text's tokens, and the BOS
// token in front when the tokenizer has one. An EOS, when added, is one
// more. Plot them against the cutoff:
//
//	lengths := formats.TokenLengths(texts, tok)
func TokenLengths(texts []string, tok *tokenizer.Tokenizer) []int {
	lengths := make([]int, len(texts))
	if tok == nil {
		return lengths
	}
	_ = forEach(context.Background(), len(texts), func(i int) {
		lengths[i] = len(tok.Encode(texts[i], true))
	})
	return lengths
}

// forEach calls fn(i) for every i in [0, n) on as many goroutines as there
// are CPUs, and stops early with ctx's error when ctx is done.
func forEach(ctx context.Context, n int, fn func(i int)) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(n, 1)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}
