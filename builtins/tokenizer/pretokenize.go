package tokenizer

import (
	"unicode"
	"unicode/utf8"
)

// gpt2Pattern is GPT-2's pre-tokenization pattern, which Hugging Face's
// ByteLevel pre-tokenizer uses. splitGPT2 implements it without a regular
// expression engine (Go's has no look-ahead).
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// charClass is the class of a character in gpt2Pattern.
type charClass int8

const (
	classSpace  charClass = iota // \s
	classLetter                  // \p{L}
	classNumber                  // \p{N}
	classOther                   // anything else
)

func classOf(r rune) charClass {
	if r < utf8.RuneSelf {
		return asciiClass[r]
	}
	switch {
	case unicode.IsSpace(r):
		return classSpace
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	}
	return classOther
}

var asciiClass = func() (t [utf8.RuneSelf]charClass) {
	for r := range t {
		t[r] = classOther
		switch {
		case unicode.IsSpace(rune(r)):
			t[r] = classSpace
		case unicode.IsLetter(rune(r)):
			t[r] = classLetter
		case unicode.IsNumber(rune(r)):
			t[r] = classNumber
		}
	}
	return t
}()

// decodeClass returns the class and length of the character at the start
// of s; a byte that is not valid UTF-8 counts as a character of class
// other.
func decodeClass(s []byte) (charClass, int) {
	if c := s[0]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRune(s)
	if r == utf8.RuneError && n == 1 {
		return classOther, 1
	}
	return classOf(r), n
}

// splitGPT2 cuts s into the pieces that gpt2Pattern matches, left to
// right, calling emit with each piece's bounds.
func splitGPT2(s []byte, emit func(start, end int)) {
	for i := 0; i < len(s); {
		j := matchGPT2(s, i)
		emit(i, j)
		i = j
	}
}

// matchGPT2 returns the end of the match of gpt2Pattern at s[i:], trying
// its alternatives in order.
func matchGPT2(s []byte, i int) int {
	if s[i] == '\'' && i+1 < len(s) {
		switch s[i+1] {
		case 's', 't', 'm', 'd':
			return i + 2
		case 'r', 'v':
			if i+2 < len(s) && s[i+2] == 'e' {
				return i + 3
			}
		case 'l':
			if i+2 < len(s) && s[i+2] == 'l' {
				return i + 3
			}
		}
	}
	start := i
	if s[i] == ' ' && i+1 < len(s) {
		if c, _ := decodeClass(s[i+1:]); c != classSpace {
			start = i + 1 // " ?" takes the space
		}
	}
	class, n := decodeClass(s[start:])
	if class != classSpace {
		j := start + n
		for j < len(s) {
			c, n := decodeClass(s[j:])
			if c != class {
				break
			}
			j += n
		}
		return j
	}
	// A run of whitespace: all of it at the end of the text, else all but
	// its last character (\s+(?!\S)), or the single character (\s+).
	j, last := i, i
	for j < len(s) {
		c, n := decodeClass(s[j:])
		if c != classSpace {
			break
		}
		last = j
		j += n
	}
	if j == len(s) || last == i {
		return j
	}
	return last
}

// byteLevelChars maps each byte to the character that stands for it in a
// byte-level vocabulary: printable Latin-1 bytes stand for themselves, the
// others for U+0100 and up, in byte order.
var byteLevelChars = func() (t [256]rune) {
	n := rune(0)
	for b := range 256 {
		if ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF) {
			t[b] = rune(b)
		} else {
			t[b] = 256 + n
			n++
		}
	}
	return t
}()

// appendByteLevel appends the byte-level form of b to dst.
func appendByteLevel(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = utf8.AppendRune(dst, byteLevelChars[c])
	}
	return dst
}
