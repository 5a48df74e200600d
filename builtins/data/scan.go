package data

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// The functions in this file walk JSON text that json.Valid has accepted:
// they find where values start and end without decoding them, and assume
// the text is valid.

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// trimSpace returns b without the JSON white space at either end.
func trimSpace(b []byte) []byte {
	b = b[skipSpace(b, 0):]
	end := len(b)
	for end > 0 && (b[end-1] == ' ' || b[end-1] == '\t' || b[end-1] == '\n' || b[end-1] == '\r') {
		end--
	}
	return b[:end]
}

// skipString returns the index just after the string that starts at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// skipValue returns the index just after the value that starts at b[i].
func skipValue(b []byte, i int) int {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i = skipString(b, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
		i++
	}
	return i
}

// elements calls fn with the start and end of each element of the array
// that starts at b[i], and returns the index just after the array.
func elements(b []byte, i int, fn func(start, end int)) int {
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] != ']' {
		end := skipValue(b, i)
		fn(i, end)
		i = skipSpace(b, end)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return i + 1
}

// objectKeys calls fn with the raw (still quoted) text of each key of the
// object b, in order.
func objectKeys(b []byte, fn func(raw []byte)) {
	objectMembers(b, func(raw, _ []byte) { fn(raw) })
}

// objectMembers calls fn with the raw (still quoted) text of each key of
// the object b and the text of its value, in order.
func objectMembers(b []byte, fn func(raw, value []byte)) {
	i := skipSpace(b, 1)
	for i < len(b) && b[i] == '"' {
		end := skipString(b, i)
		key := b[i:end]
		i = skipSpace(b, end) // at ':'
		i = skipSpace(b, i+1) // at the value
		valueEnd := skipValue(b, i)
		fn(key, b[i:valueEnd])
		i = skipSpace(b, valueEnd)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
}

// unquote returns the string that the quoted JSON string raw holds.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return string(raw[1 : len(raw)-1])
	}
	return s
}

// kind names the JSON type of the value whose text starts with c.
func kind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
