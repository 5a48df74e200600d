package rawtext

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/golora/golora/builtins/tokenizer"
)

func loadTokenizer(t testing.TB, path string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// byteLevel is the committed byte-level BPE tokenizer; it decodes any
// slice of a text's tokens to the text they cover, which tests use to check
// chunks without the offsets that Chunk uses.
const byteLevel = "../tokenizer/testdata/trained/tokenizer.json"

// prose returns lines of made-up words, of lengths from 0 to about 100
// characters, some not ASCII.
func prose(rng *rand.Rand, lines int) string {
	words := []string{"the", "model", "learns", "été", "from", "text", "日本語", "line", "a", "of", "chunks", "tokens,", "and."}
	var b strings.Builder
	for i := range lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		for w := range rng.IntN(18) {
			if w > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[rng.IntN(len(words))])
		}
	}
	return b.String()
}

// TestWindows checks the cutting rules of the package documentation on
// random texts, with and without newline favouring.
func TestWindows(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	rng := rand.New(rand.NewPCG(1, 2))
	moved, movedStarts := 0, 0
	for trial := range 300 {
		text := prose(rng, 1+rng.IntN(40))
		ids, offsets := tok.EncodeOffsets(text, false)
		if len(ids) == 0 {
			continue
		}
		b := &block{text: text, ids: ids, offsets: offsets}
		size := 2 + rng.IntN(60)
		overlap := rng.IntN(size)
		favor := []int{0, 0, 5, 40, 200}[rng.IntN(5)]
		name := fmt.Sprintf("trial %d (size %d, overlap %d, favor %d, %d tokens)", trial, size, overlap, favor, len(ids))
		spans := b.windows(size, overlap, favor)
		if spans[0][0] != 0 || spans[len(spans)-1][1] != len(ids) {
			t.Fatalf("%s: chunks %v do not run from the first token to the last", name, spans)
		}
		for i, sp := range spans {
			start, end := sp[0], sp[1]
			if end <= start || end-start > size {
				t.Fatalf("%s: chunk %d is %v", name, i, sp)
			}
			// A window may cut a character in two, which does not decode.
			if chunk := text[offsets[start]:b.at(end)]; utf8.ValidString(chunk) && tok.Decode(ids[start:end]) != chunk {
				t.Fatalf("%s: chunk %d's tokens are not its text", name, i)
			}
			if end < len(ids) && end < start+size {
				// A moved end: a line start, near enough to the window's end.
				moved++
				if favor == 0 || text[b.at(end)-1] != '\n' {
					t.Fatalf("%s: chunk %d ends early at %d, not at a line start", name, i, end)
				}
				if n := utf8.RuneCountInString(text[b.at(end):b.at(start+size)]); n > favor {
					t.Fatalf("%s: chunk %d's end moved back %d characters, more than %d", name, i, n, favor)
				}
			}
			if i == 0 {
				continue
			}
			prev := spans[i-1]
			if start <= prev[0] || start > prev[1] {
				t.Fatalf("%s: chunk %d %v after %v: does not move on, or leaves a gap", name, i, sp, prev)
			}
			if favor == 0 && (start != prev[1]-overlap || prev[1]-prev[0] != size) {
				t.Fatalf("%s: without favouring, chunk %d %v after %v does not overlap by exactly %d of %d", name, i, sp, prev, overlap, size)
			}
			if want := prev[1] - overlap; start != want {
				// A moved start: a line start, near enough to where it was.
				movedStarts++
				if text[b.at(start)-1] != '\n' {
					t.Fatalf("%s: chunk %d starts at %d, not %d, and not at a line start", name, i, start, want)
				}
				if n := utf8.RuneCountInString(text[b.at(min(start, want)):b.at(max(start, want))]); n > favor {
					t.Fatalf("%s: chunk %d's start moved %d characters, more than %d", name, i, n, favor)
				}
			}
		}
	}
	if moved == 0 || movedStarts == 0 {
		t.Errorf("%d ends and %d starts moved to a newline: the test does not reach newline favouring", moved, movedStarts)
	}
}
