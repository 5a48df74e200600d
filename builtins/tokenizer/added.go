package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// addedToken is an entry of tokenizer.json's added_tokens.
type addedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

// addedMatcher finds added tokens in text as Hugging Face tokenizers does:
// leftmost-longest matches, then each match kept only if its single_word
// condition holds, widened over the whitespace around it for lstrip and
// rstrip.
type addedMatcher struct {
	set    *prefixSet
	tokens map[string]*addedToken
}

func newAddedMatcher(tokens []*addedToken) *addedMatcher {
	if len(tokens) == 0 {
		return nil
	}
	m := &addedMatcher{tokens: map[string]*addedToken{}}
	var words []string
	for _, t := range tokens {
		if _, dup := m.tokens[t.Content]; !dup {
			words = append(words, t.Content)
		}
		m.tokens[t.Content] = t
	}
	m.set = newPrefixSet(words)
	return m
}

// span is a stretch of text: an added token's (id >= 0) or plain text's.
type span struct {
	start, end int
	id         int32
}

// split appends to dst the spans of text: the added tokens found and the
// text between them, covering all of text.
func (m *addedMatcher) split(dst []span, text []byte) []span {
	if m == nil {
		return append(dst, span{0, len(text), -1})
	}
	done := 0
	for i := 0; i < len(text); {
		n := longestPrefix(m.set, text[i:])
		if n == 0 {
			i++
			continue
		}
		start, stop := i, i+n
		i = stop
		t := m.tokens[string(text[start:stop])]
		if t.SingleWord && (endsWithWordChar(text[:start]) || startsWithWordChar(text[stop:])) {
			continue
		}
		if t.LStrip {
			start = max(trailingSpaceStart(text[:start]), done)
		}
		if t.RStrip {
			stop += leadingSpaceLen(text[stop:])
		}
		if done < start {
			dst = append(dst, span{done, start, -1})
		}
		dst = append(dst, span{start, stop, int32(t.ID)})
		done = stop
	}
	if done < len(text) || len(text) == 0 {
		dst = append(dst, span{done, len(text), -1})
	}
	return dst
}

// isWordChar reports whether r matches \w in Rust's regex crate: a letter
// or other alphabetic, a mark, a decimal digit, a connector punctuation, or
// a joiner.
func isWordChar(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Nl, r) ||
		unicode.Is(unicode.Other_Alphabetic, r) || r == 0x200C || r == 0x200D
}

func endsWithWordChar(b []byte) bool {
	r, n := utf8.DecodeLastRune(b)
	return n > 0 && isWordChar(r)
}

func startsWithWordChar(b []byte) bool {
	r, n := utf8.DecodeRune(b)
	return n > 0 && isWordChar(r)
}

// trailingSpaceStart returns where the whitespace at the end of b begins.
func trailingSpaceStart(b []byte) int {
	for len(b) > 0 {
		r, n := utf8.DecodeLastRune(b)
		if !unicode.IsSpace(r) {
			break
		}
		b = b[:len(b)-n]
	}
	return len(b)
}

// leadingSpaceLen returns the length of the whitespace at the start of b.
func leadingSpaceLen(b []byte) int {
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if !unicode.IsSpace(r) {
			break
		}
		i += n
	}
	return i
}
