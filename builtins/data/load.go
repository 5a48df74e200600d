package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Load reads a dataset from a file that holds a JSON array of objects or
// JSON Lines (one object per line, blank lines skipped); see the package
// documentation for how the two are told apart.
func Load(path string) (*Dataset, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	ds, err := parse(path, text)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	return ds, nil
}

// Parse reads a dataset from JSON text, as Load reads a file: a JSON array
// of objects, or JSON Lines.
func Parse(jsonText string) (*Dataset, error) {
	ds, err := parse("", []byte(jsonText))
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return ds, nil
}

// byteOrderMark is the UTF-8 byte order mark some editors put at the start
// of a file.
var byteOrderMark = []byte("\xef\xbb\xbf")

// dataset is what every error about the form of a file says a dataset is.
const dataset = "a dataset is a JSON array of objects, or JSON Lines with one object per line"

// parse cuts text into rows. name is the file, for the dataset's name.
func parse(name string, text []byte) (*Dataset, error) {
	text = bytes.TrimPrefix(text, byteOrderMark)
	i := skipSpace(text, 0)
	if i == len(text) {
		return nil, fmt.Errorf("empty: %s", dataset)
	}
	c := text[i]
	if c != '[' && c != '{' {
		line, col := position(text, i)
		return nil, fmt.Errorf("line %d, column %d: starts with %q, not JSON: %s", line, col, c, dataset)
	}
	if json.Valid(text) {
		if c == '[' {
			return fromArray(name, text, i)
		}
		if bytes.IndexByte(trimSpace(text), '\n') >= 0 {
			return nil, fmt.Errorf("holds one JSON object spread over several lines, not rows: %s", dataset)
		}
		return fromLines(name, text)
	}
	first, _, _ := bytes.Cut(text[i:], []byte{'\n'})
	if json.Valid(first) {
		return fromLines(name, text)
	}
	msg, _ := syntaxError(text, text, 0)
	return nil, fmt.Errorf("%s (%s)", msg, dataset)
}

// fromArray cuts the rows out of the valid JSON array that starts at
// text[at].
func fromArray(name string, text []byte, at int) (*Dataset, error) {
	var rows []span
	var err error
	line, lineAt := 1, 0 // the line of offset lineAt
	elements(text, at, func(start, end int) {
		line += bytes.Count(text[lineAt:start], []byte{'\n'})
		lineAt = start
		if err == nil && text[start] != '{' {
			err = notObject(len(rows), line, text[start])
		}
		rows = append(rows, span{start: start, end: end, line: line})
	})
	if err != nil {
		return nil, err
	}
	return newDataset(name, text, rows), nil
}

// fromLines cuts JSON Lines text into rows, one a non-blank line.
func fromLines(name string, text []byte) (*Dataset, error) {
	var rows []span
	for start, line := 0, 1; start < len(text); line++ {
		end := bytes.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		b := trimSpace(text[start:end])
		if len(b) > 0 {
			if !json.Valid(b) {
				at := start + skipSpace(text[start:end], 0)
				msg, early := syntaxError(text, b, at)
				if early {
					msg += ": in JSON Lines each row is one whole object on one line"
				}
				return nil, fmt.Errorf("%s (row %d)", msg, len(rows))
			}
			if b[0] != '{' {
				return nil, notObject(len(rows), line, b[0])
			}
			at := start + skipSpace(text[start:end], 0)
			rows = append(rows, span{start: at, end: at + len(b), line: line})
		}
		start = end + 1
	}
	return newDataset(name, text, rows), nil
}

// notObject is the error for row i, on line, whose value starts with c.
func notObject(i, line int, c byte) error {
	return fmt.Errorf(`row %d (line %d) is %s, not an object: every row must be a JSON object such as {"text": "…"}`, i, line, kind(c))
}
