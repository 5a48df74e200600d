package rawtext

import (
	"fmt"
	"strconv"
	"strings"
)

// unescape reads the escape sequences of a Go string literal in s (\n, \t,
// \\, \x41, \u00e9 …); other text, newlines included, stays as it is.
func unescape(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for rest := s; rest != ""; {
		if rest[0] != '\\' {
			b.WriteByte(rest[0])
			rest = rest[1:]
			continue
		}
		r, multibyte, tail, err := strconv.UnquoteChar(rest, '"')
		if err != nil {
			return "", fmt.Errorf("bad escape at %q: write \\\\ for a backslash", shorten(rest, 8))
		}
		if multibyte {
			b.WriteRune(r)
		} else {
			b.WriteByte(byte(r))
		}
		rest = tail
	}
	return b.String(), nil
}

// shorten cuts s to n bytes at most, for messages.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
