package tokenizer

import (
	"strings"
	"testing"
)

// surface returns the bytes of the input that a token stands for, as
// this package's offsets promise: a byte token its byte, a byte-level
// token its bytes, a SentencePiece-style token its text with "▁" as a
// space.
func surface(tok *Tokenizer, id int) string {
	p := tok.Token(id)
	if b, ok := parseBytePiece(p); ok {
		return string([]byte{b})
	}
	if byteLevelKind(tok) {
		var raw []byte
		for _, r := range p {
			b, ok := byteLevelBytes[r]
			if !ok {
				return p // an added token
			}
			raw = append(raw, b)
		}
		return string(raw)
	}
	return strings.ReplaceAll(p, metaspace, " ")
}

func byteLevelKind(tok *Tokenizer) bool {
	return strings.HasPrefix(tok.kind, "byte-level") || strings.HasPrefix(tok.kind, "GGUF byte-level")
}

// TestOffsets checks that every token's offset points at its text in the
// input (a "▁" that the tokenizer added in front, which has no text, may
// point at the word it precedes).
func TestOffsets(t *testing.T) {
	paths := []string{"llama/tokenizer.model", "llama-hf/tokenizer.json", "llama-hf-legacy/tokenizer.json", "gpt2/tokenizer.json", "gguf/smollm2", "gguf/llama-chat"}
	for _, path := range paths {
		var tok *Tokenizer
		var texts []string
		if name, ok := strings.CutPrefix(path, "gguf/"); ok {
			tok, texts = loadGGUF(t, name), append(corpus(t), corpusFile(t, "gguf/corpus.jsonl")...)
		} else {
			var err error
			if tok, err = Load(fetched(t, path)); err != nil {
				t.Fatal(err)
			}
			texts = corpus(t)
		}
		bad := 0
		for _, text := range texts {
			ids, offsets := tok.EncodeOffsets(text, false)
			for i, id := range ids {
				want := surface(tok, id)
				rest := text[offsets[i]:]
				if !byteLevelKind(tok) {
					// A "▁" in the text itself reads as a space.
					rest = strings.ReplaceAll(rest, metaspace, " ")
				}
				if strings.HasPrefix(rest, want) || tok.Token(id) == "<s>" || tok.Token(id) == "</s>" {
					continue
				}
				// An added "▁": missing from the text.
				if trimmed := strings.TrimPrefix(want, " "); trimmed != want && strings.HasPrefix(rest, trimmed) {
					continue
				}
				if bad++; bad <= 5 {
					t.Errorf("%s: %q: token %d %q at offset %d, where the text is %q", path, text, i, tok.Token(id), offsets[i], rest[:min(len(rest), 12)])
				}
			}
		}
	}
}
