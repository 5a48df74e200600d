package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzTokenizers are the committed tokenizers: they need no fetch.
func fuzzTokenizers(f *testing.F) map[string]*Tokenizer {
	toks := map[string]*Tokenizer{}
	for _, p := range []string{"trained/tokenizer.json", "sp/small.model", "sp/bytes.model"} {
		tok, err := Load(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		toks[p] = tok
	}
	return toks
}

func addCorpusSeeds(f *testing.F) {
	for i, text := range corpus(f) {
		if i%25 == 0 {
			f.Add(text)
		}
	}
	f.Add("\xff\xfe invalid \xc3")
}

// FuzzByteLevelRoundTrip: byte-level BPE encodes any UTF-8 text without
// special-token strings so that decoding gives it back exactly.
func FuzzByteLevelRoundTrip(f *testing.F) {
	tok := fuzzTokenizers(f)["trained/tokenizer.json"]
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		for _, s := range []string{TrainedBOS, TrainedEOS, TrainedPAD} {
			if strings.Contains(text, s) {
				return
			}
		}
		ids := tok.Encode(text, false)
		if got := tok.Decode(ids); got != text {
			t.Fatalf("Decode(Encode(%q)) = %q (ids %v)", text, got, ids)
		}
	})
}

// FuzzEncode: any bytes encode without panic into ids in the vocabulary,
// with ascending offsets inside the text, and decode.
func FuzzEncode(f *testing.F) {
	toks := fuzzTokenizers(f)
	addCorpusSeeds(f)
	f.Fuzz(func(t *testing.T, text string) {
		for name, tok := range toks {
			ids := tok.Encode(text, true)
			ids2, offsets := tok.EncodeOffsets(text, true)
			if !slices.Equal(ids, ids2) || len(offsets) != len(ids) {
				t.Fatalf("%s: Encode %v, EncodeOffsets %v %v", name, ids, ids2, offsets)
			}
			for i, id := range ids {
				if id < 0 || id >= tok.VocabSize() {
					t.Fatalf("%s: id %d out of the vocabulary", name, id)
				}
				if offsets[i] < 0 || offsets[i] > len(text) || (i > 0 && offsets[i] < offsets[i-1]) {
					t.Fatalf("%s: offsets %v for %q", name, offsets, text)
				}
			}
			tok.Decode(ids)
		}
	})
}

// FuzzLoadJSON: any bytes given as a tokenizer.json load or fail without
// panic, and a loaded tokenizer encodes and decodes without panic.
func FuzzLoadJSON(f *testing.F) {
	for _, p := range []string{"trained/tokenizer.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		jsonWith("null", "null", "null", "BPE"),
		jsonWith(`{"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}`, "null", `{"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}`, "BPE"),
		jsonWith("null", `{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}`, `{"type": "Metaspace", "replacement": "▁"}`, "BPE"),
		jsonWith("null", `{"type": "ByteLevel", "add_prefix_space": true}`, `{"type": "ByteLevel"}`, "BPE"),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parseJSON("fuzz.json", data)
		if err != nil {
			return
		}
		exercise(tok)
	})
}

// FuzzLoadModel: any bytes given as a SentencePiece model load or fail
// without panic, and a loaded tokenizer encodes and decodes without panic.
func FuzzLoadModel(f *testing.F) {
	for _, p := range []string{"sp/small.model", "sp/bytes.model"} {
		data, err := os.ReadFile(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 4000)])
	}
	f.Add(spModelBytes(protoVarint(nil, 3, spBPE), nil))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := parseSentencePieceModel("fuzz.model", data)
		if err != nil {
			return
		}
		exercise(tok)
	})
}

func exercise(tok *Tokenizer) {
	for _, text := range []string{"", " ", "Hello  wörld\t<s> ab ba 😀", "\xff\xfe"} {
		ids, _ := tok.EncodeOffsets(text, true)
		tok.Decode(ids)
	}
	tok.Decode([]int{-1, 0, 1, 2, 3, 4, 5, 1 << 30})
	_ = tok.String()
}

// TestConcurrentEncode encodes from several goroutines at once, as
// notebook cells and data loaders may; run it with -race.
func TestConcurrentEncode(t *testing.T) {
	tok, err := Load(filepath.Join("testdata", "sp", "bytes.model"))
	if err != nil {
		t.Fatal(err)
	}
	texts := corpus(t)[:400]
	want := make([][]int, len(texts))
	for i, text := range texts {
		want[i] = tok.Encode(text, false)
	}
	clearCache(tok)
	errs := make(chan string, 4)
	for g := range 4 {
		go func() {
			for i := range texts {
				k := (i + g*97) % len(texts)
				if got := tok.Encode(texts[k], false); !slices.Equal(got, want[k]) {
					errs <- texts[k]
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if text := <-errs; text != "" {
			t.Errorf("concurrent Encode(%q) differs", text)
		}
	}
}
