package dictd

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// b64Digits are dictd's base64 digits in order of value.
const b64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// Entry is one line of an index: where a headword's definition lies in the
// uncompressed .dict text.
type Entry struct {
	Headword string
	Offset   int64
	Length   int64
}

// Meta reports whether the entry is one of the database's own records
// (00-database-info, 00databaseshort, …) rather than a definition.
func (e Entry) Meta() bool {
	return strings.HasPrefix(e.Headword, "00-database") || strings.HasPrefix(e.Headword, "00database")
}

// DecodeNumber decodes a dictd base64 number: digits of
// b64Digits, most significant first ("A" is 0, "BA" is 64).
func DecodeNumber(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("dictd: empty number")
	}
	if len(s) > 10 {
		return 0, fmt.Errorf("dictd: number %q has more than 10 digits", s)
	}
	var n int64
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(b64Digits, s[i])
		if d < 0 {
			return 0, fmt.Errorf("dictd: number %q: %q is not a base64 digit", s, s[i])
		}
		n = n<<6 | int64(d)
	}
	return n, nil
}

// ParseIndex reads an index. name is used in errors (the file's path).
func ParseIndex(name string, data []byte) ([]Entry, error) {
	var entries []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) < 3 {
			return nil, fmt.Errorf("dictd: %s: line %d: want headword, offset and length separated by tabs, got %q", name, line, text)
		}
		off, err := DecodeNumber(fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: offset: %w", name, line, err)
		}
		n, err := DecodeNumber(fields[2])
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: length: %w", name, line, err)
		}
		entries = append(entries, Entry{Headword: fields[0], Offset: off, Length: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dictd: %s: %w", name, err)
	}
	return entries, nil
}
