package dictd

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
)

// Dict is a dictionary held in memory: its index, in file order, and its text.
type Dict struct {
	Index []Entry
	text  []byte
}

// Open reads the index at indexPath and the text at dictPath, which is
// decompressed when it is gzip or dictzip (a name ending in .dz or .gz).
func Open(indexPath, dictPath string) (*Dict, error) {
	raw, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, fmt.Errorf("dictd: %w", err)
	}
	index, err := ParseIndex(indexPath, raw)
	if err != nil {
		return nil, err
	}
	text, err := os.ReadFile(dictPath)
	if err != nil {
		return nil, fmt.Errorf("dictd: %w", err)
	}
	if strings.HasSuffix(dictPath, ".dz") || strings.HasSuffix(dictPath, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(text))
		if err != nil {
			return nil, fmt.Errorf("dictd: %s: %w", dictPath, err)
		}
		if text, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("dictd: %s: %w", dictPath, err)
		}
	}
	return New(index, text, dictPath)
}

// New makes a dictionary of an index and its uncompressed text, checking
// that every entry lies inside the text; name is used in errors.
func New(index []Entry, text []byte, name string) (*Dict, error) {
	for _, e := range index {
		if e.Offset < 0 || e.Length < 0 || e.Offset+e.Length > int64(len(text)) {
			return nil, fmt.Errorf("dictd: %s: entry %q at %d+%d lies outside the %d-byte text", name, e.Headword, e.Offset, e.Length, len(text))
		}
	}
	return &Dict{Index: index, text: text}, nil
}

// Definition returns the text of an entry as the .dict file holds it.
func (d *Dict) Definition(e Entry) string {
	return string(d.text[e.Offset : e.Offset+e.Length])
}

// Definitions returns the definition entries (Meta ones left out) in index
// order, each text once: where several headwords share one definition, the
// first headword keeps it.
func (d *Dict) Definitions() []Entry {
	seen := make(map[[2]int64]bool)
	var out []Entry
	for _, e := range d.Index {
		key := [2]int64{e.Offset, e.Length}
		if e.Meta() || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, e)
	}
	return out
}
