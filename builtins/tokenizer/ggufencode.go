package tokenizer

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// ggufEncoder encodes as llama.cpp's tokenize with parse_special: the
// special tokens are cut out of the text first, then each stretch of text
// between them goes through the vocabulary's model on its own.
type ggufEncoder struct {
	special *specialSplitter
	// A "gpt2" vocabulary: the pre type's split passes, then byte-level
	// BPE on each word.
	pre *ggufPre
	bpe *hfModel
	// A "llama" vocabulary: SentencePiece's BPE, with the dummy prefix
	// (spacePrefix) in front of the first stretch and of each one after a
	// special token.
	sp          *spEncoder
	spacePrefix bool
}

func (e *ggufEncoder) encode(out *encoding, text string) {
	var w hfWork
	afterSpecial := true
	for _, s := range e.special.split(text) {
		if s.id >= 0 {
			out.add(int(s.id), s.start)
			afterSpecial = true
			continue
		}
		if e.sp != nil {
			e.sp.encodeAt(out, text[s.start:s.end], s.start, e.spacePrefix && afterSpecial)
		} else {
			n := validUTF8(text[s.start:s.end], s.start)
			splitInTurn(e.pre.passes, n.s, 0, func(i, j int) { e.bpe.encodeWord(out, &w, n.slice(i, j)) })
		}
		afterSpecial = false
	}
}

// validUTF8 returns text, which starts at byte base of the input, with
// each byte that does not start a valid character replaced by U+FFFD, as
// llama.cpp's BPE tokenizer reads text.
func validUTF8(text string, base int) normText {
	if utf8.ValidString(text) {
		return normText{s: []byte(text), base: base}
	}
	n := normText{s: make([]byte, 0, len(text)+8), orig: make([]int32, 0, len(text)+8)}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		piece := text[i : i+size]
		if r == utf8.RuneError && size == 1 {
			piece = replacementChar
		}
		n.s = append(n.s, piece...)
		for range len(piece) {
			n.orig = append(n.orig, int32(base+i))
		}
		i += size
	}
	return n
}

// specialSplitter finds the special tokens in text as llama.cpp does: the
// longest token first (of equal lengths, the lowest id), every occurrence
// of it left to right in the text that no longer token has taken, then the
// next token in what is left.
type specialSplitter struct {
	tokens []specialToken
}

type specialToken struct {
	text string
	id   int32
}

func newSpecialSplitter(tokens []string, attrs []tokenAttr) *specialSplitter {
	s := &specialSplitter{}
	for id, a := range attrs {
		if a.special() {
			s.tokens = append(s.tokens, specialToken{tokens[id], int32(id)})
		}
	}
	slices.SortStableFunc(s.tokens, func(a, b specialToken) int { return cmp.Compare(len(b.text), len(a.text)) })
	return s
}

// split returns the spans of text: the special tokens found (id >= 0) and
// the text between them, in order, covering all of text.
func (s *specialSplitter) split(text string) []span {
	var taken []span // sorted by start
	for _, tok := range s.tokens {
		for pos := 0; pos+len(tok.text) <= len(text); {
			k := strings.Index(text[pos:], tok.text)
			if k < 0 {
				break
			}
			start, end := pos+k, pos+k+len(tok.text)
			// The first span that ends after start: the match is free if it
			// starts at or after end.
			i := sort.Search(len(taken), func(i int) bool { return taken[i].end > start })
			if i < len(taken) && taken[i].start < end {
				pos = start + 1
				continue
			}
			taken = append(taken, span{})
			copy(taken[i+1:], taken[i:])
			taken[i] = span{start, end, tok.id}
			pos = end
		}
	}
	out := make([]span, 0, 2*len(taken)+1)
	done := 0
	for _, t := range taken {
		if t.start > done {
			out = append(out, span{done, t.start, -1})
		}
		out = append(out, t)
		done = t.end
	}
	if done < len(text) {
		out = append(out, span{done, len(text), -1})
	}
	return out
}
