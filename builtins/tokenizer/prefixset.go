package tokenizer

import (
	"cmp"
	"slices"
)

// prefixSet finds the longest of a set of strings that starts a text. It
// serves SentencePiece's user-defined symbols, which are few.
type prefixSet struct {
	byFirst [256][]string // longest first
}

func newPrefixSet(words []string) *prefixSet {
	if len(words) == 0 {
		return nil
	}
	p := &prefixSet{}
	for _, w := range words {
		p.byFirst[w[0]] = append(p.byFirst[w[0]], w)
	}
	for i := range p.byFirst {
		slices.SortStableFunc(p.byFirst[i], func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	}
	return p
}

// longestPrefix returns the length of the longest word of p that text
// starts with, or 0.
func longestPrefix[T string | []byte](p *prefixSet, text T) int {
	if p == nil || len(text) == 0 {
		return 0
	}
	for _, w := range p.byFirst[text[0]] {
		if len(w) <= len(text) && string(text[:len(w)]) == w {
			return len(w)
		}
	}
	return 0
}
