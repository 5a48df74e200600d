package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// splitFunc cuts s into consecutive pieces that cover it, left to right,
// calling emit with each piece's bounds: one pass of a pre-tokenizer.
type splitFunc func(s []byte, emit func(start, end int))

// splitInTurn applies each pass to the pieces of the one before and emits
// the pieces of the last, offset by at.
func splitInTurn(passes []splitFunc, s []byte, at int, emit func(start, end int)) {
	if len(s) == 0 {
		return
	}
	if len(passes) == 0 {
		emit(at, at+len(s))
		return
	}
	passes[0](s, func(i, j int) { splitInTurn(passes[1:], s[i:j], at+i, emit) })
}

// isolate cuts s around the characters (runs of them, with runs set) for
// which in holds: each such character or run is a piece, and so is each
// stretch between them. It is a split on \p{N} (Hugging Face's Digits
// pre-tokenizer, llama.cpp's "\p{N}" and "\p{N}+") and on similar classes.
func isolate(in func(rune) bool, runs bool) splitFunc {
	return func(s []byte, emit func(start, end int)) {
		start := 0
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRune(s[i:])
			if !in(r) {
				i += n
				continue
			}
			if i > start {
				emit(start, i)
			}
			j := i + n
			for runs && j < len(s) {
				r, n := utf8.DecodeRune(s[j:])
				if !in(r) {
					break
				}
				j += n
			}
			emit(i, j)
			i, start = j, j
		}
		if start < len(s) {
			emit(start, len(s))
		}
	}
}

// splitDigits is Hugging Face's Digits pre-tokenizer: every number
// character alone (individual) or runs of them, and the text between.
func splitDigits(individual bool) splitFunc { return isolate(unicode.IsNumber, !individual) }

// isDefaultPunct is the class of llama.cpp's first "default" pattern,
// [\p{P}\$\+<=>\^~\|]: punctuation and eight ASCII symbols.
func isDefaultPunct(r rune) bool {
	switch r {
	case '$', '+', '<', '=', '>', '^', '~', '|':
		return true
	}
	return unicode.IsPunct(r)
}

// splitASCIIDigitTriples is llama.cpp's pattern [0-9][0-9][0-9]: from the
// left, every three ASCII digits in a row are a piece.
func splitASCIIDigitTriples(s []byte, emit func(start, end int)) {
	start := 0
	for i := 0; i+3 <= len(s); {
		if isASCIIDigit(s[i]) && isASCIIDigit(s[i+1]) && isASCIIDigit(s[i+2]) {
			if i > start {
				emit(start, i)
			}
			emit(i, i+3)
			i += 3
			start = i
			continue
		}
		i++
	}
	if start < len(s) {
		emit(start, len(s))
	}
}

func isASCIIDigit(c byte) bool { return '0' <= c && c <= '9' }

// splitLlama3 is the split of Llama 3's pattern (maxDigits 3) and Qwen2's
// (maxDigits 1), as llama.cpp implements it:
//
//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// The alternatives are tried in order at each position.
func splitLlama3(maxDigits int) splitFunc {
	return func(s []byte, emit func(start, end int)) {
		for i := 0; i < len(s); {
			j := matchLlama3(s, i, maxDigits)
			emit(i, j)
			i = j
		}
	}
}

// matchLlama3 returns the end of the match at s[i:].
func matchLlama3(s []byte, i, maxDigits int) int {
	if s[i] == '\'' && i+1 < len(s) {
		switch lowerASCII(s[i+1]) {
		case 's', 't', 'm', 'd':
			return i + 2
		case 'r', 'v':
			if i+2 < len(s) && lowerASCII(s[i+2]) == 'e' {
				return i + 3
			}
		case 'l':
			if i+2 < len(s) && lowerASCII(s[i+2]) == 'l' {
				return i + 3
			}
		}
	}
	class, n := decodeClass(s[i:])
	nextLetter := false
	if i+n < len(s) {
		c, _ := decodeClass(s[i+n:])
		nextLetter = c == classLetter
	}
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if s[i] != '\r' && s[i] != '\n' && class != classNumber && (class == classLetter || nextLetter) {
		return runOf(s, i+n, classLetter)
	}
	// \p{N}{1,maxDigits}
	if class == classNumber {
		j := i
		for k := 0; k < maxDigits && j < len(s); k++ {
			c, n := decodeClass(s[j:])
			if c != classNumber {
				break
			}
			j += n
		}
		return j
	}
	// " ?[^\s\p{L}\p{N}]+[\r\n]*"
	start := i
	if s[i] == ' ' && i+1 < len(s) {
		if c, _ := decodeClass(s[i+1:]); c == classOther {
			start = i + 1
		}
	}
	if c, _ := decodeClass(s[start:]); c == classOther {
		j := runOf(s, start, classOther)
		for j < len(s) && (s[j] == '\r' || s[j] == '\n') {
			j++
		}
		return j
	}
	// A run of whitespace: \s*[\r\n]+ up to its last line break, else
	// \s+(?!\S) (all but its last character unless it ends the text), else
	// \s+.
	j, last, lastBreak := i, i, -1
	for j < len(s) {
		c, n := decodeClass(s[j:])
		if c != classSpace {
			break
		}
		if s[j] == '\r' || s[j] == '\n' {
			lastBreak = j + 1
		}
		last = j
		j += n
	}
	switch {
	case lastBreak > 0:
		return lastBreak
	case j == len(s) || last == i:
		return j
	}
	return last
}

// runOf returns the end of the run of characters of class c that starts
// at s[i:].
func runOf(s []byte, i int, c charClass) int {
	for i < len(s) {
		got, n := decodeClass(s[i:])
		if got != c {
			break
		}
		i += n
	}
	return i
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
