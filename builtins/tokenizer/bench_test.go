package tokenizer

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// benchTextSize is the size of the benchmark text.
const benchTextSize = 2 << 20

// benchText is the text the encode benchmarks tokenize, the same that
// testdata/bench.py gives the Python tokenizers: the Go specification
// (English prose in HTML), the test corpus (many scripts), then the Go
// source files of net/http in name order, cut at the last newline before
// 2 MiB. It comes from the Go installation, so it needs no download.
var benchText = sync.OnceValues(func() (string, error) {
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", err
	}
	root := strings.TrimSpace(string(goroot))
	var b strings.Builder
	spec, err := os.ReadFile(filepath.Join(root, "doc", "go_spec.html"))
	if err != nil {
		return "", err
	}
	b.Write(spec)
	texts, err := readCorpus(filepath.Join("testdata", "corpus.jsonl"))
	if err != nil {
		return "", err
	}
	b.WriteString(strings.Join(texts, "\n"))
	files, err := filepath.Glob(filepath.Join(root, "src", "net", "http", "*.go"))
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		b.Write(data)
	}
	s := b.String()
	if len(s) > benchTextSize {
		s = s[:strings.LastIndexByte(s[:benchTextSize], '\n')+1]
	}
	return s, nil
})

func benchTokenizer(b *testing.B, path string) (*Tokenizer, string) {
	text, err := benchText()
	if err != nil {
		b.Fatal(err)
	}
	tok, err := Load(path)
	if err != nil {
		b.Fatal(err)
	}
	return tok, text
}

// clearCache empties the tokenizer's word cache.
func clearCache(tok *Tokenizer) {
	switch e := tok.enc.(type) {
	case *spEncoder:
		e.cache = newWordCache()
	case *hfEncoder:
		e.model.cache = newWordCache()
	case *ggufEncoder:
		if e.sp != nil {
			e.sp.cache = newWordCache()
		} else {
			e.bpe.cache = newWordCache()
		}
	}
}

// BenchmarkEncode measures encode throughput (MB/s) on benchText; "cold"
// starts each run with an empty word cache, as a fresh Load does.
func BenchmarkEncode(b *testing.B) {
	for _, c := range []struct{ name, path string }{
		{"llama-model", "llama/tokenizer.model"},
		{"llama-json", "llama-hf/tokenizer.json"},
		{"gpt2", "gpt2/tokenizer.json"},
	} {
		for _, cold := range []bool{false, true} {
			name := c.name
			if cold {
				name += "/cold"
			}
			b.Run(name, func(b *testing.B) {
				tok, text := benchTokenizer(b, fetched(b, c.path))
				b.SetBytes(int64(len(text)))
				tok.Encode(text, true)
				b.ResetTimer()
				for b.Loop() {
					if cold {
						b.StopTimer()
						clearCache(tok)
						b.StartTimer()
					}
					tok.Encode(text, true)
				}
			})
		}
	}
}

// BenchmarkEncodeOffsets is what chunking does: ids and offsets.
func BenchmarkEncodeOffsets(b *testing.B) {
	tok, text := benchTokenizer(b, fetched(b, "llama/tokenizer.model"))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		clearCache(tok)
		tok.EncodeOffsets(text, true)
	}
}

// BenchmarkEncodeGGUF measures encode throughput with GGUF vocabularies:
// SmolLM2's (byte-level, pre smollm) and LLaMA's (SentencePiece-style).
func BenchmarkEncodeGGUF(b *testing.B) {
	text, err := benchText()
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"smollm2", "llama"} {
		b.Run(name, func(b *testing.B) {
			tok := loadGGUF(b, name)
			b.SetBytes(int64(len(text)))
			tok.Encode(text, true)
			for b.Loop() {
				tok.Encode(text, true)
			}
		})
	}
}
