package main

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// abbreviations end in a full stop that does not end a sentence.
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "esp": true, "cf": true, "etc": true, "viz": true,
	"mr": true, "mrs": true, "dr": true, "st": true, "vs": true, "no": true,
	"vol": true, "jr": true, "inc": true, "co": true, "prob": true, "poss": true,
	"orig": true, "approx": true, "ca": true, "n": true, "v": true, "adj": true,
	"u.s": true, "a.k.a": true, "q.v": true, "ibid": true, "obs": true,
}

// sentenceEnds returns the byte offsets just after each sentence of text
// (the last is len(text)). A sentence ends at '.', '?' or '!' and any
// closing quotes or brackets, outside quotation marks, followed by a space
// and a capital letter, digit or opening quote, unless the full stop ends an
// abbreviation or an initial.
func sentenceEnds(text string) []int {
	var ends []int
	var q quotes
	for i := 0; i < len(text); i++ {
		c := text[i]
		q.see(text[i:])
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		after := q // the quotes open once the closing marks that follow are read
		j := i + 1
		for j < len(text) {
			r, size := utf8.DecodeRuneInString(text[j:])
			if !strings.ContainsRune(`"')]’”`, r) {
				break
			}
			after.see(text[j:])
			j += size
		}
		if after.open() || j >= len(text) || text[j] != ' ' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(strings.TrimLeft(text[j:], " "))
		if !unicode.IsUpper(next) && !unicode.IsDigit(next) && !strings.ContainsRune(`"'“‘([`, next) {
			continue
		}
		if c == '.' && isAbbreviation(text[:i]) {
			continue
		}
		ends = append(ends, j)
	}
	return append(ends, len(text))
}

// quotes tracks the quotations and brackets open at a point of a text:
// curly quotes and square brackets by depth, straight quotes by whether one
// is open.
type quotes struct {
	curly, square int
	straight      bool
}

// see updates q for the character that s starts with.
func (q *quotes) see(s string) {
	switch {
	case strings.HasPrefix(s, "“"):
		q.curly++
	case strings.HasPrefix(s, "”") && q.curly > 0:
		q.curly--
	case s[0] == '[':
		q.square++
	case s[0] == ']' && q.square > 0:
		q.square--
	case s[0] == '"':
		q.straight = !q.straight
	}
}

func (q quotes) open() bool { return q.curly > 0 || q.square > 0 || q.straight }

// endsSentence reports whether text ends in '.', '?' or '!', perhaps
// followed by closing quotes or brackets.
func endsSentence(text string) bool {
	text = strings.TrimRight(text, `"')]’”`)
	return strings.HasSuffix(text, ".") || strings.HasSuffix(text, "?") || strings.HasSuffix(text, "!")
}

// isAbbreviation reports whether the word that ends before is an
// abbreviation or a single letter ("A. B. Smith").
func isAbbreviation(before string) bool {
	start := strings.LastIndexAny(before, " (\"'“‘") + 1
	word := before[start:]
	if utf8.RuneCountInString(word) == 1 && unicode.IsUpper([]rune(word)[0]) {
		return true
	}
	return abbreviations[strings.ToLower(word)]
}

// capSentences keeps the whole sentences of text that fit in max characters
// (at least the first); ok is false when even the first does not fit.
func capSentences(text string, max int) (string, bool) {
	kept := ""
	for _, end := range sentenceEnds(text) {
		s := strings.TrimSpace(text[:end])
		if utf8.RuneCountInString(s) > max {
			break
		}
		kept = s
	}
	return kept, kept != ""
}
