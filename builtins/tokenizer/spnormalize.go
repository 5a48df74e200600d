package tokenizer

import "unicode/utf8"

// replacementChar is what SentencePiece's normalizer writes for a byte that
// is not valid UTF-8.
const replacementChar = "\uFFFD"

// normalize applies SentencePiece's identity normalization to text and
// appends the result to norm. When withOrig is set it also appends to orig,
// for each normalized byte, the offset of the input byte it came from.
// Like SentencePiece it drops leading, trailing and repeated spaces when
// removeExtraWS is set, adds "▁" in front when dummyPrefix is set, and
// writes spaces as "▁" when escapeWS is set. User-defined symbols are
// copied whole.
func (e *spEncoder) normalize(norm []byte, orig []int32, text string, withOrig, dummyPrefix bool) ([]byte, []int32) {
	if text == "" {
		return norm, orig
	}
	ws := e.space()
	consumed := 0
	if e.removeExtraWS {
		for consumed < len(text) {
			unit, n := e.unit(text[consumed:])
			if unit != " " {
				break
			}
			consumed += n
		}
		if consumed == len(text) {
			return norm, orig
		}
	}
	appendWS := func(at int) {
		norm = append(norm, ws...)
		if withOrig {
			for range len(ws) {
				orig = append(orig, int32(at))
			}
		}
	}
	if dummyPrefix {
		appendWS(consumed)
	}
	if cap(norm)-len(norm) < len(text)+len(text)/4 {
		norm = append(make([]byte, 0, len(norm)+len(text)+len(text)/4+8), norm...)
	}
	prevSpace := e.removeExtraWS
	for consumed < len(text) {
		if c := text[consumed]; c < utf8.RuneSelf && e.user == nil {
			// One ASCII character: the common case, written out.
			switch {
			case c == ' ' && prevSpace:
			case c == ' ' && e.escapeWS:
				appendWS(consumed)
			default:
				norm = append(norm, c)
				if withOrig {
					orig = append(orig, int32(consumed))
				}
			}
			prevSpace = c == ' ' && e.removeExtraWS
			consumed++
			continue
		}
		unit, n := e.unit(text[consumed:])
		skipped := 0
		for prevSpace && skipped < len(unit) && unit[skipped] == ' ' {
			skipped++
		}
		if rest := unit[skipped:]; rest != "" {
			verbatim := rest != replacementChar || n == len(replacementChar)
			for k := 0; k < len(rest); k++ {
				at := consumed
				if verbatim {
					at += skipped + k
				}
				if rest[k] == ' ' && e.escapeWS {
					appendWS(at)
					continue
				}
				norm = append(norm, rest[k])
				if withOrig {
					orig = append(orig, int32(at))
				}
			}
			prevSpace = rest[len(rest)-1] == ' '
		}
		consumed += n
		if !e.removeExtraWS {
			prevSpace = false
		}
	}
	if e.removeExtraWS {
		for hasSuffixBytes(norm, ws) {
			norm = norm[:len(norm)-len(ws)]
			if withOrig {
				orig = orig[:len(orig)-len(ws)]
			}
		}
	}
	return norm, orig
}

// unit returns the next unit of normalization at the start of s and the
// number of input bytes it takes: a user-defined symbol, one character, or
// U+FFFD for one byte that is not valid UTF-8.
func (e *spEncoder) unit(s string) (string, int) {
	if n := longestPrefix(e.user, s); n > 0 {
		return s[:n], n
	}
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && n == 1 {
		return replacementChar, 1
	}
	return s[:n], n
}

func hasSuffixBytes(b []byte, suffix string) bool {
	return len(b) >= len(suffix) && string(b[len(b)-len(suffix):]) == suffix
}
