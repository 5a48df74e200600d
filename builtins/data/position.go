package data

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// position returns the line and column, both from 1, of byte offset off in
// b. Columns count characters, as editors show them.
func position(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	start := bytes.LastIndexByte(b[:off], '\n') + 1
	return bytes.Count(b[:start], []byte{'\n'}) + 1, utf8.RuneCount(b[start:off]) + 1
}

// syntaxError describes why b is not valid JSON and where, as "line L,
// column C: message". base is added to the offset that encoding/json gives,
// for b a part of text. early reports that b ended before its value did.
func syntaxError(text, b []byte, base int) (msg string, early bool) {
	var v json.RawMessage
	err := json.Unmarshal(b, &v)
	off := len(b)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// The error is in the byte just read, at Offset-1.
		off = max(int(se.Offset)-1, 0)
		early = se.Error() == unexpectedEnd().Error()
	}
	msg = "invalid JSON"
	if err != nil {
		msg = err.Error()
	}
	line, col := position(text, base+off)
	return fmt.Sprintf("line %d, column %d: %s", line, col, msg), early
}

// unexpectedEnd is the error encoding/json gives for text that ends inside
// a value, asked of encoding/json rather than copied from it.
func unexpectedEnd() error {
	var v json.RawMessage
	return json.Unmarshal([]byte("{"), &v)
}
