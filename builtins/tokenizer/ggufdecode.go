package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ggufDecoder decodes as llama.cpp's llama_detokenize without special
// tokens: each token becomes its piece, the first one without one leading
// space when the vocabulary adds a space prefix, and the pieces are joined
// (bytes, not necessarily UTF-8); cleanSpaces then tidies spaces as
// clean_up_tokenization_spaces.
type ggufDecoder struct {
	pieces      []string
	lstrip      bool
	cleanSpaces bool
}

func (d *ggufDecoder) decode(ids []int) string {
	var b []byte
	first := true
	for _, id := range ids {
		if id < 0 || id >= len(d.pieces) {
			continue
		}
		p := d.pieces[id]
		if first && d.lstrip {
			p = strings.TrimPrefix(p, " ")
		}
		first = false
		b = append(b, p...)
	}
	if d.cleanSpaces {
		b = cleanUpSpaces(b)
	}
	return string(b)
}

// piece is what llama.cpp's token_to_piece makes of a token, without
// special tokens: nothing for control, unknown and unused tokens, the text
// of a user-defined token, the byte of a byte token, and the text of a
// normal token with "▁" as a space ("llama") or its byte-level characters
// as the bytes they stand for ("gpt2").
func (g *ggufVocab) piece(text string, a tokenAttr) string {
	switch {
	case a&(attrControl|attrUnknown) != 0:
		return ""
	case a&attrUserDefined != 0:
		return text
	case a&attrNormal != 0 && g.Model == "llama":
		return strings.ReplaceAll(text, metaspace, " ")
	case a&attrNormal != 0:
		return byteLevelText(text)
	case a&attrByte != 0:
		b, _ := parseBytePiece(text)
		return string([]byte{b})
	}
	return ""
}

// byteLevelText turns the byte-level characters of a token into the bytes
// they stand for. A character outside the byte-level alphabet becomes, as
// in llama.cpp, "[UNK_BYTE_0x" with its UTF-8 in hex, the token's text and
// "]".
func byteLevelText(text string) string {
	var b []byte
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n == 1 {
			r = 0xFFFD
		}
		if c, ok := byteLevelBytes[r]; ok {
			b = append(b, c)
		} else {
			b = append(b, "[UNK_BYTE_0x"...)
			for _, c := range []byte(string(r)) {
				b = fmt.Appendf(b, "%02x", c)
			}
			b = append(append(b, text...), ']')
		}
		i += n
	}
	return string(b)
}

// cleanUpSpaces tidies decoded text as llama.cpp's detokenize does for
// vocabularies with clean_spaces, in three passes: it drops a space before
// ?, !, . and ,; the spaces around an apostrophe between two spaces; and
// the space before 's, 'm, 're and 've.
func cleanUpSpaces(b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	// In each pass, out (the kept bytes) grows behind the byte being read,
	// and the byte before the one being read is that of the pass's input.
	out := 1
	for i := 1; i < len(b); i++ {
		c := b[i]
		if b[i-1] == ' ' && (c == '?' || c == '!' || c == '.' || c == ',') {
			out--
		}
		b[out] = c
		out++
	}
	b = b[:out]

	out = 1
	for i := 1; i < len(b); i++ {
		c := b[i]
		if c == '\'' && i+1 < len(b) && b[i-1] == ' ' && b[i+1] == ' ' {
			out--
			i++
			b[i] = 0 // the space after is dropped, and is no space for the next byte
		}
		b[out] = c
		out++
	}
	b = b[:out]

	out = 1
	for i := 1; i < len(b); i++ {
		c := b[i]
		if b[i-1] == ' ' && c == '\'' && i+1 < len(b) {
			next := b[i+1]
			switch {
			case next == 's' || next == 'm':
				out--
			case next == 't' || next == 'd':
			case i+2 < len(b) && ((next == 'r' || next == 'v') && b[i+2] == 'e'):
				out--
			}
		}
		b[out] = c
		out++
	}
	return b[:out]
}
