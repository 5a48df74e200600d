package tokenizer

import "unicode/utf8"

// appendLossy appends b to dst as valid UTF-8, replacing each maximal
// invalid subsequence by one U+FFFD, as Rust's String::from_utf8_lossy
// (and so Hugging Face's ByteLevel decoder) does: a truncated character
// such as "\xF0\x9F\x98" becomes one replacement character, not three.
func appendLossy(dst, b []byte) []byte {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r != utf8.RuneError || n > 1 {
			dst = append(dst, b[:n]...)
		} else {
			dst = append(dst, replacementChar...)
			n = invalidPrefix(b)
		}
		b = b[n:]
	}
	return dst
}

// invalidPrefix returns the length of the maximal subpart at the start of
// b, which does not begin a valid character: the longest prefix that could
// start one, at least one byte.
func invalidPrefix(b []byte) int {
	lo, hi := byte(0x80), byte(0xBF) // range of the second byte
	need := 0                        // continuation bytes after the lead
	switch c := b[0]; {
	case 0xC2 <= c && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case 0xE1 <= c && c <= 0xEC, c == 0xEE, c == 0xEF:
		need = 2
	case c == 0xED:
		need, hi = 2, 0x9F
	case c == 0xF0:
		need, lo = 3, 0x90
	case 0xF1 <= c && c <= 0xF3:
		need = 3
	case c == 0xF4:
		need, hi = 3, 0x8F
	default:
		return 1
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}
