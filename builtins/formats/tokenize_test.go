package formats

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/tokenizer"
)

// Tokenizers committed with package tokenizer: byte-level BPE, and
// SentencePiece with byte fallback; both decode a prefix of a text's
// tokens to a prefix of the text, which the tests use to find where each
// token ends without the offsets Tokenize uses.
const (
	byteLevelPath = "../tokenizer/testdata/trained/tokenizer.json"
	sentencePath  = "../tokenizer/testdata/sp/bytes.model"
)

func loadTokenizer(t testing.TB, path string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// alpacaTexts are the test rows formatted as Alpaca.
func alpacaTexts(t *testing.T) []string {
	texts, err := alpaca(t).Apply(loadRows(t))
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// checkMask checks that ex masks exactly the tokens that end at or before
// promptEnd, where a token ends is told by decoding the tokens up to it.
func checkMask(t *testing.T, tok *tokenizer.Tokenizer, text string, ex Example, promptEnd int) (straddles int) {
	t.Helper()
	if ex.Mask[0] {
		t.Errorf("%q: the first token is trained on", text)
	}
	for i := 1; i < len(ex.IDs); i++ {
		if ex.IDs[i] == tok.EOS() {
			if !ex.Mask[i] {
				t.Errorf("%q: the EOS is not trained on", text)
			}
			continue
		}
		prefix := tok.Decode(ex.IDs[:i+1])
		if !strings.HasPrefix(text, prefix) {
			t.Fatalf("%q: tokens decode to %q, not a prefix", text, prefix)
		}
		end := len(prefix)
		start := len(tok.Decode(ex.IDs[:i]))
		if start < promptEnd && end > promptEnd {
			straddles++
		}
		if want := end > promptEnd; ex.Mask[i] != want {
			t.Errorf("%q: token %d (%q, ends at %d) has mask %v; the prompt ends at %d", text, i, tok.Token(ex.IDs[i]), end, ex.Mask[i], promptEnd)
		}
	}
	return straddles
}

// TestTokenizeMask: with a train-only-after string, exactly the tokens
// that end at or before its end are masked, whichever tokenizer and
// wherever the string's end falls: between tokens or inside one.
func TestTokenizeMask(t *testing.T) {
	texts := alpacaTexts(t)
	const marker = "### Response:\n"
	for _, path := range []string{byteLevelPath, sentencePath} {
		tok := loadTokenizer(t, path)
		straddles := 0
		for n := 1; n <= len(marker); n++ {
			after := marker[:n]
			examples, err := Tokenize(context.Background(), texts, tok, TokenizeOptions{Cutoff: 1000, TrainOnlyAfter: after, AddBOS: true, AddEOS: true})
			if err != nil {
				t.Fatal(err)
			}
			for i, ex := range examples {
				text := texts[i]
				promptEnd := strings.Index(text, after) + len(after)
				if len(ex.IDs) != len(ex.Mask) || ex.IDs[0] != tok.BOS() || ex.IDs[len(ex.IDs)-1] != tok.EOS() || ex.Truncated != 0 {
					t.Fatalf("%s: example %d: %d ids, %d mask, first %d, last %d, truncated %d", path, i, len(ex.IDs), len(ex.Mask), ex.IDs[0], ex.IDs[len(ex.IDs)-1], ex.Truncated)
				}
				straddles += checkMask(t, tok, text, ex, promptEnd)
			}
		}
		if straddles == 0 {
			t.Errorf("%s: no token straddles the prompt's end: the test does not reach that case", path)
		}
	}
}

// TestTokenizeMaskWhole: at the full marker, which ends on a token
// boundary, the masked tokens decode to the prompt and the trained ones to
// the response.
func TestTokenizeMaskWhole(t *testing.T) {
	texts := alpacaTexts(t)
	tok := loadTokenizer(t, byteLevelPath)
	const marker = "### Response:\n"
	examples, err := Tokenize(context.Background(), texts, tok, TokenizeOptions{TrainOnlyAfter: marker, AddBOS: true, AddEOS: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, ex := range examples {
		first := slices.Index(ex.Mask, true)
		prompt, response, _ := strings.Cut(texts[i], marker)
		if got := tok.Decode(ex.IDs[:first]); got != prompt+marker {
			t.Errorf("row %d: masked tokens decode to %q, want %q", i, got, prompt+marker)
		}
		if got := tok.Decode(ex.IDs[first:]); got != response {
			t.Errorf("row %d: trained tokens decode to %q, want %q", i, got, response)
		}
		if slices.Contains(ex.Mask[first:], false) {
			t.Errorf("row %d: a masked token after the first trained one", i)
		}
	}
}

func TestTokenizeNoPrompt(t *testing.T) {
	texts := alpacaTexts(t)
	tok := loadTokenizer(t, "../tokenizer/testdata/sp/small.model")
	for _, after := range []string{"", "not in any text"} {
		examples, err := Tokenize(context.Background(), texts, tok, TokenizeOptions{TrainOnlyAfter: after})
		if err != nil {
			t.Fatal(err)
		}
		for i, ex := range examples {
			if want := tok.Encode(texts[i], false); !slices.Equal(ex.IDs, want) {
				t.Errorf("%q row %d: ids differ from Encode without BOS", after, i)
			}
			// small.model starts a text with a "▁" of no width, also trained.
			if ex.Mask[0] || slices.Contains(ex.Mask[1:], false) {
				t.Errorf("%q row %d: mask %v, want all but the first trained", after, i, ex.Mask)
			}
		}
	}
}

func TestTokenizeCutoff(t *testing.T) {
	tok := loadTokenizer(t, byteLevelPath)
	text := "### Instruction:\nSay hi.\n### Response:\nHi there."
	full := tok.Encode(text, true)
	ctx := context.Background()
	opts := TokenizeOptions{TrainOnlyAfter: "### Response:\n", AddBOS: true, AddEOS: true}

	opts.Cutoff = 10
	ex, err := Tokenize(ctx, []string{text}, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ex[0].IDs, full[:10]) || ex[0].Truncated != len(full)-10 || slices.Contains(ex[0].Mask, true) {
		t.Errorf("cutoff 10: %+v, want the first 10 tokens, all masked, %d truncated", ex[0], len(full)-10)
	}

	opts.Cutoff = len(full) // fits, but no room for the EOS
	ex, _ = Tokenize(ctx, []string{text}, tok, opts)
	if !slices.Equal(ex[0].IDs, full) || ex[0].Truncated != 0 {
		t.Errorf("cutoff %d: %v, want the text's tokens and no EOS", opts.Cutoff, ex[0].IDs)
	}

	opts.Cutoff = len(full) + 1
	ex, _ = Tokenize(ctx, []string{text}, tok, opts)
	if !slices.Equal(ex[0].IDs, append(slices.Clone(full), tok.EOS())) || !ex[0].Mask[len(full)] {
		t.Errorf("cutoff %d: %v, want the EOS after the text, trained", opts.Cutoff, ex[0].IDs)
	}

	// The response is empty: only the EOS is trained on.
	ex, _ = Tokenize(ctx, []string{"Q\n### Response:\n"}, tok, opts)
	if n := len(ex[0].Mask); slices.Contains(ex[0].Mask[:n-1], true) || !ex[0].Mask[n-1] {
		t.Errorf("empty response: mask %v", ex[0].Mask)
	}
}

func TestTokenizeErrors(t *testing.T) {
	tok := loadTokenizer(t, byteLevelPath)
	ctx := context.Background()
	if _, err := Tokenize(ctx, []string{"x"}, nil, TokenizeOptions{}); err == nil || !strings.Contains(err.Error(), "no tokenizer") {
		t.Errorf("nil tokenizer: %v", err)
	}
	if _, err := Tokenize(ctx, []string{"x"}, tok, TokenizeOptions{Cutoff: 1}); err == nil || !strings.Contains(err.Error(), "cutoff 1") {
		t.Errorf("cutoff 1: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Tokenize(canceled, make([]string, 1000), tok, TokenizeOptions{}); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("canceled: %v", err)
	}
}

func TestTokenLengths(t *testing.T) {
	texts := alpacaTexts(t)
	tok := loadTokenizer(t, sentencePath)
	lengths := TokenLengths(texts, tok)
	for i, text := range texts {
		if want := len(tok.Encode(text, true)); lengths[i] != want {
			t.Errorf("row %d: %d tokens, want %d", i, lengths[i], want)
		}
	}
}
