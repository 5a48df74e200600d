package tokenizer

import (
	"bufio"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/golora/golora/internal/testfiles"
)

// reference is what testdata/reference.py wrote for one tokenizer: the
// reference implementation's ids and decodes of testdata/corpus.jsonl.
type reference struct {
	Source           string   `json:"source"`
	VocabSize        int      `json:"vocab_size"`
	BOS              *int     `json:"bos"`
	EOS              *int     `json:"eos"`
	PAD              *int     `json:"pad"`
	UNK              *int     `json:"unk"`
	VocabSHA         string   `json:"vocab_sha256"`
	IDs              [][]int  `json:"ids"`
	SpecialPrefix    []int    `json:"special_prefix"`
	SpecialSuffix    []int    `json:"special_suffix"`
	Decoded          []string `json:"decoded"`
	DecodedSHA       []string `json:"decoded_sha256"`
	RandomIDs        [][]int  `json:"random_ids"`
	RandomDecoded    []string `json:"random_decoded"`
	RandomDecodedSHA []string `json:"random_decoded_sha256"`
	// Corpus names the corpus files, under testdata, whose texts IDs
	// encode, in order; none: corpus.jsonl.
	Corpus []string `json:"corpus"`
	// AddsSpecial: Encode(text, true) is SpecialPrefix, the ids of
	// text, SpecialSuffix (llama.cpp's tokenize with add_special).
	AddsSpecial bool `json:"encode_true_adds_special"`
}

// texts returns the corpus texts that r encodes.
func (r *reference) texts(t testing.TB) []string {
	t.Helper()
	if len(r.Corpus) == 0 {
		return corpus(t)
	}
	var texts []string
	for _, name := range r.Corpus {
		texts = append(texts, corpusFile(t, name)...)
	}
	return texts
}

// loadReference reads testdata/ref/NAME.json, or NAME.json.gz.
func loadReference(t *testing.T, name string) *reference {
	t.Helper()
	path := filepath.Join("testdata", "ref", name+".json")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		path += ".gz"
		data, err = readGzip(path)
	}
	if err != nil {
		t.Fatalf("%v (regenerate with testdata/reference.py, or testdata/gguf/reference.py for gguf-*)", err)
	}
	var r reference
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &r
}

func readGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return io.ReadAll(z)
}

var (
	corpusMu    sync.Mutex
	corpusFiles = map[string][]string{}
)

// corpusFile returns the texts of a corpus file under testdata, one JSON
// string a line.
func corpusFile(t testing.TB, name string) []string {
	t.Helper()
	corpusMu.Lock()
	defer corpusMu.Unlock()
	if texts, ok := corpusFiles[name]; ok {
		return texts
	}
	texts, err := readCorpus(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("testdata/%s: %v", name, err)
	}
	corpusFiles[name] = texts
	return texts
}

func readCorpus(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var texts []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var s string
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, err
		}
		texts = append(texts, s)
	}
	return texts, sc.Err()
}

// corpus returns the texts of testdata/corpus.jsonl.
func corpus(t testing.TB) []string { return corpusFile(t, "corpus.jsonl") }

// testdataDir is where fetch.sh put the third-party tokenizer files:
// $GOLORA_TESTDATA/tokenizer, or testdata-cache/tokenizer at the
// repository root.
func testdataDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(testfiles.Dir(t), "tokenizer")
}

// fetched returns the path of a file that fetch.sh writes, failing the
// test with the way to get it when it is missing.
func fetched(t testing.TB, name string) string {
	t.Helper()
	dir := testdataDir(t)
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: run builtins/tokenizer/testdata/fetch.sh %s (it needs npm and a Python with tokenizers, transformers, sentencepiece, protobuf in GOLORA_PYTHON)", path, dir)
	}
	return path
}

func shortSHA(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:16]
}

// checkReference compares tok with the reference on the whole corpus:
// vocabulary, ids, offsets, decodes.
func checkReference(t *testing.T, tok *Tokenizer, ref *reference) {
	texts := ref.texts(t)
	if len(ref.IDs) != len(texts) {
		t.Fatalf("reference has %d encodings for %d corpus texts: regenerate it", len(ref.IDs), len(texts))
	}
	if got := tok.VocabSize(); got != ref.VocabSize {
		t.Errorf("VocabSize() = %d, want %d", got, ref.VocabSize)
	}
	pieces := make([]string, tok.VocabSize())
	for i := range pieces {
		pieces[i] = tok.Token(i)
		if id, ok := tok.ID(pieces[i]); !ok || tok.Token(id) != pieces[i] {
			t.Errorf("ID(Token(%d) = %q) = %d, %v", i, pieces[i], id, ok)
		}
	}
	if got := shortSHA(strings.Join(pieces, "\n")); got != ref.VocabSHA {
		t.Errorf("vocabulary hash %s, want %s", got, ref.VocabSHA)
	}
	for _, c := range []struct {
		name string
		got  int
		want *int
	}{{"BOS", tok.BOS(), ref.BOS}, {"EOS", tok.EOS(), ref.EOS}, {"PAD", tok.PAD(), ref.PAD}, {"unk", tok.unk, ref.UNK}} {
		if c.want != nil && c.got != *c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, *c.want)
		}
	}
	failures := 0
	fail := func(format string, args ...any) {
		failures++
		if failures <= 10 {
			t.Errorf(format, args...)
		}
	}
	for i, text := range texts {
		want := ref.IDs[i]
		got := tok.Encode(text, false)
		if !slices.Equal(got, want) {
			fail("text %d %q:\n got %v\nwant %v", i, text, got, want)
			continue
		}
		ids, offsets := tok.EncodeOffsets(text, false)
		if !slices.Equal(ids, want) {
			fail("text %d %q: EncodeOffsets ids %v, want %v", i, text, ids, want)
		}
		if len(offsets) != len(ids) || !slices.IsSorted(offsets) || (len(offsets) > 0 && (offsets[0] < 0 || offsets[len(offsets)-1] > len(text))) {
			fail("text %d %q: offsets %v not ascending within the text", i, text, offsets)
		}
		if ref.AddsSpecial {
			withSpecial := tok.Encode(text, true)
			if w := slices.Concat(ref.SpecialPrefix, want, ref.SpecialSuffix); !slices.Equal(withSpecial, w) {
				fail("text %d %q: Encode(text, true) = %v, want %v", i, text, withSpecial, w)
			}
		} else if len(ref.SpecialPrefix) == 1 && len(ref.SpecialSuffix) == 0 {
			withBOS, offs := tok.EncodeOffsets(text, true)
			if !slices.Equal(withBOS, append(slices.Clone(ref.SpecialPrefix), want...)) || offs[0] != 0 {
				fail("text %d %q: with BOS %v, want %v", i, text, withBOS, append(ref.SpecialPrefix, want...))
			}
		}
		dec := tok.Decode(want)
		if ref.Decoded != nil && dec != ref.Decoded[i] {
			fail("text %d: Decode(%v) = %q, want %q", i, want, dec, ref.Decoded[i])
		} else if shortSHA(dec) != ref.DecodedSHA[i] {
			fail("text %d: Decode(%v) = %q, which the reference decodes differently", i, want, dec)
		}
	}
	for i, ids := range ref.RandomIDs {
		dec := tok.Decode(ids)
		if ref.RandomDecoded != nil && dec != ref.RandomDecoded[i] {
			fail("Decode(%v) = %q, want %q", ids, dec, ref.RandomDecoded[i])
		} else if shortSHA(dec) != ref.RandomDecodedSHA[i] {
			fail("Decode(%v) = %q, which the reference decodes differently", ids, dec)
		}
	}
	if failures > 0 {
		t.Errorf("%d mismatches with %s on %d texts and %d id sequences", failures, ref.Source, len(texts), len(ref.RandomIDs))
	}
}
