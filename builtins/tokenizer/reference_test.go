package tokenizer

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
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
}

func loadReference(t *testing.T, name string) *reference {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "ref", name+".json"))
	if err != nil {
		t.Fatalf("%v (regenerate with testdata/reference.py)", err)
	}
	var r reference
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("testdata/ref/%s.json: %v", name, err)
	}
	return &r
}

var corpusOnce = sync.OnceValues(func() ([]string, error) {
	f, err := os.Open(filepath.Join("testdata", "corpus.jsonl"))
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
})

func corpus(t testing.TB) []string {
	t.Helper()
	texts, err := corpusOnce()
	if err != nil {
		t.Fatalf("testdata/corpus.jsonl: %v", err)
	}
	return texts
}

// testdataDir is where fetch.sh put the third-party tokenizer files:
// $GOLORA_TESTDATA/tokenizer, or testdata-cache/tokenizer at the
// repository root.
func testdataDir(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("GOLORA_TESTDATA"); dir != "" {
		return filepath.Join(dir, "tokenizer")
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata-cache", "tokenizer")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the package: set GOLORA_TESTDATA")
		}
		dir = parent
	}
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
	texts := corpus(t)
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
		if len(ref.SpecialPrefix) == 1 && len(ref.SpecialSuffix) == 0 {
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
