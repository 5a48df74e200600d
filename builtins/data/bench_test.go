package data

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchFile writes a JSON Lines file of about size bytes of Alpaca-like
// rows and returns its path.
func benchFile(b *testing.B, size int) string {
	row, err := json.Marshal(map[string]string{
		"instruction": "Explain why the sky is blue in two sentences.",
		"input":       "",
		"output":      strings.Repeat("Sunlight scatters off air molecules, and blue light scatters most. ", 8),
	})
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	for sb.Len() < size {
		sb.Write(row)
		sb.WriteByte('\n')
	}
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoad measures Load on 32 MB of JSON Lines.
func BenchmarkLoad(b *testing.B) {
	path := benchFile(b, 32<<20)
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(info.Size())
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}
