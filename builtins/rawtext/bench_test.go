package rawtext

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// benchSize is the size of the text BenchmarkChunk cuts: 4 MB.
const benchSize = 4 << 20

// benchText writes the benchmark's text file: the Go specification (English
// prose in HTML), then the Go sources of GOROOT/src/net and GOROOT/src/go
// in path order, files apart by a hard cut, to 4 MB. It comes from the Go
// installation, so it needs no download.
func benchText(b *testing.B) string {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Fatal(err)
	}
	root := strings.TrimSpace(string(goroot))
	spec, err := os.ReadFile(filepath.Join(root, "doc", "go_spec.html"))
	if err != nil {
		b.Fatal(err)
	}
	var text strings.Builder
	text.Write(spec)
	for _, dir := range []string{"net", "go"} {
		err := filepath.WalkDir(filepath.Join(root, "src", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || text.Len() >= benchSize || d.IsDir() || !strings.HasSuffix(path, ".go") {
				return err
			}
			src, err := os.ReadFile(path)
			text.WriteString("\n\n\n")
			text.Write(src)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if text.Len() < benchSize {
		b.Fatalf("only %d bytes of text", text.Len())
	}
	file := filepath.Join(b.TempDir(), "book.txt")
	if err := os.WriteFile(file, []byte(text.String()[:benchSize]), 0o644); err != nil {
		b.Fatal(err)
	}
	return file
}

// BenchmarkChunk cuts 4 MB of text into chunks of 256 tokens with overlap
// and newline favouring, each time with a freshly loaded tokenizer (whose
// word cache is empty, as in a notebook's first call). It uses LLaMA's
// tokenizer when the test set-up has fetched it
// ($GOLORA_TESTDATA/tokenizer/llama/tokenizer.model), else the small
// committed byte-level one.
func BenchmarkChunk(b *testing.B) {
	file := benchText(b)
	path := byteLevel
	if dir := os.Getenv("GOLORA_TESTDATA"); dir != "" {
		if llama := filepath.Join(dir, "tokenizer", "llama", "tokenizer.model"); fileExists(llama) {
			path = llama
		}
	}
	b.Logf("tokenizer %s", path)
	b.SetBytes(benchSize)
	for b.Loop() {
		b.StopTimer()
		tok := loadTokenizer(b, path)
		b.StartTimer()
		if _, err := Chunk(context.Background(), file, tok, Options{CutoffLen: 256, Overlap: 32, NewlineFavorLen: 128, AddBOS: true, AddEOS: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
