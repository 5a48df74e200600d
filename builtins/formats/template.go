package formats

import (
	"slices"
	"strings"
)

// A template is one entry of a format file.
type template struct {
	keySet string   // the key set as the file writes it
	keys   []string // its names trimmed, sorted, without repeats
	line   int      // the line of the file where the entry starts
	text   string   // the template as written
	pieces []piece  // the template text, cut at its placeholders
}

// A piece is literal text, or a placeholder for the value of key.
type piece struct {
	text string
	key  string
}

// parseKeySet returns the trimmed, sorted, unique names of a key set, or
// the empty name it holds.
func parseKeySet(keySet string) (keys []string, ok bool) {
	for name := range strings.SplitSeq(keySet, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, false
		}
		keys = append(keys, name)
	}
	slices.Sort(keys)
	return slices.Compact(keys), true
}

// cut reads text from left to right into literal pieces and placeholders
// %key% for the keys given. Where two keys could start at one '%', the
// longer wins.
func cut(text string, keys []string) []piece {
	byLength := slices.Clone(keys)
	slices.SortStableFunc(byLength, func(a, b string) int { return len(b) - len(a) })
	var pieces []piece
	var lit strings.Builder
	for i := 0; i < len(text); {
		if text[i] == '%' {
			if k, ok := placeholderAt(text[i:], byLength); ok {
				if lit.Len() > 0 {
					pieces = append(pieces, piece{text: lit.String()})
					lit.Reset()
				}
				pieces = append(pieces, piece{key: k})
				i += len(k) + 2
				continue
			}
		}
		lit.WriteByte(text[i])
		i++
	}
	if lit.Len() > 0 {
		pieces = append(pieces, piece{text: lit.String()})
	}
	return pieces
}

// placeholderAt reports which of keys s starts with as "%key%".
func placeholderAt(s string, keys []string) (string, bool) {
	for _, k := range keys {
		if len(s) >= len(k)+2 && s[1:1+len(k)] == k && s[1+len(k)] == '%' {
			return k, true
		}
	}
	return "", false
}
