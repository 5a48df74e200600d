package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// hfDecoder decodes as Hugging Face tokenizers' decode(ids,
// skip_special_tokens=True): special added tokens are dropped, the others
// become their strings, and the decoder steps rewrite the list of strings,
// which is then joined. Without a decoder the strings are joined with
// spaces.
type hfDecoder struct {
	pieces  []string
	special []bool
	steps   []decodeStep // nil: no decoder
}

// decodeStep is one tokenizer.json decoder: it rewrites the list of token
// strings.
type decodeStep interface {
	apply(toks []string) []string
}

func (d *hfDecoder) decode(ids []int) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if id < 0 || id >= len(d.pieces) || d.special[id] || d.pieces[id] == "" {
			continue
		}
		toks = append(toks, d.pieces[id])
	}
	if d.steps == nil {
		return strings.Join(toks, " ")
	}
	for _, s := range d.steps {
		toks = s.apply(toks)
	}
	return strings.Join(toks, "")
}

// byteLevelDecode turns byte-level characters back into bytes and the
// bytes into text, replacing invalid UTF-8. A token with a character
// outside the byte-level alphabet (an added token) keeps its own bytes.
type byteLevelDecode struct{}

var byteLevelBytes = func() map[rune]byte {
	m := make(map[rune]byte, 256)
	for b, r := range byteLevelChars {
		m[r] = byte(b)
	}
	return m
}()

func (byteLevelDecode) apply(toks []string) []string {
	var raw []byte
	for _, t := range toks {
		mark := len(raw)
		for _, r := range t {
			b, ok := byteLevelBytes[r]
			if !ok {
				raw = append(raw[:mark], t...)
				break
			}
			raw = append(raw, b)
		}
	}
	return []string{string(appendLossy(nil, raw))}
}

// replaceDecode replaces a string in each token.
type replaceDecode struct{ old, with string }

func (r replaceDecode) apply(toks []string) []string {
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(t, r.old, r.with)
	}
	return toks
}

// byteFallbackDecode turns runs of <0xXX> tokens into the text they
// spell, or one U+FFFD per token when the run is not valid UTF-8.
type byteFallbackDecode struct{}

func (byteFallbackDecode) apply(toks []string) []string {
	out := toks[:0:0]
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if utf8.Valid(run) {
			out = append(out, string(run))
		} else {
			for range run {
				out = append(out, replacementChar)
			}
		}
		run = run[:0]
	}
	for _, t := range toks {
		if b, ok := parseHexBytePiece(t); ok {
			run = append(run, b)
			continue
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}

// parseHexBytePiece reads "<0xXX>" as the ByteFallback decoder does (with
// Rust's u8::from_str_radix): hex digits of either case, or a plus sign
// and one digit.
func parseHexBytePiece(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	digits := s[3:5]
	if digits[0] == '+' {
		digits = digits[1:]
	}
	var b byte
	for _, c := range []byte(digits) {
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, false
		}
		b = b<<4 | v
	}
	return b, true
}

// fuseDecode joins all tokens into one.
type fuseDecode struct{}

func (fuseDecode) apply(toks []string) []string { return []string{strings.Join(toks, "")} }

// stripDecode removes up to start copies of a character from the front of
// each token and up to stop from its end.
type stripDecode struct {
	content     rune
	start, stop int
}

func (s stripDecode) apply(toks []string) []string {
	for i, t := range toks {
		for k := 0; k < s.start; k++ {
			r, n := utf8.DecodeRuneInString(t)
			if n == 0 || r != s.content {
				break
			}
			t = t[n:]
		}
		for k := 0; k < s.stop; k++ {
			r, n := utf8.DecodeLastRuneInString(t)
			if n == 0 || r != s.content {
				break
			}
			t = t[:len(t)-n]
		}
		toks[i] = t
	}
	return toks
}

// metaspaceDecode turns the replacement character back into spaces; in
// the first token it is dropped instead unless the scheme is "never".
type metaspaceDecode struct {
	replacement rune
	scheme      string
}

func (m metaspaceDecode) apply(toks []string) []string {
	for i, t := range toks {
		var b strings.Builder
		for _, r := range t {
			switch {
			case r != m.replacement:
				b.WriteRune(r)
			case i != 0 || m.scheme == prependNever:
				b.WriteByte(' ')
			}
		}
		toks[i] = b.String()
	}
	return toks
}
