package tokenizer

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// minimalJSON is a tokenizer.json with one merge, into which the tests
// splice unsupported parts.
const minimalJSON = `{
  "added_tokens": [],
  "normalizer": NORMALIZER,
  "pre_tokenizer": PRE,
  "decoder": DECODER,
  "model": {"type": "MODEL", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}
}`

func jsonWith(normalizer, pre, decoder, model string) string {
	r := strings.NewReplacer("NORMALIZER", normalizer, "PRE", pre, "DECODER", decoder, "MODEL", model)
	return r.Replace(minimalJSON)
}

// protoField appends a length-delimited protocol buffer field.
func protoBytes(dst []byte, num int, data []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(num<<3|wireBytes))
	dst = binary.AppendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

func protoVarint(dst []byte, num int, v uint64) []byte {
	dst = binary.AppendUvarint(dst, uint64(num<<3|wireVarint))
	return binary.AppendUvarint(dst, v)
}

// spModelBytes is a SentencePiece model with pieces <unk>, a, b, ab and the
// given trainer and normalizer specs.
func spModelBytes(trainer, normalizer []byte) []byte {
	var m []byte
	for i, p := range []string{"<unk>", "a", "b", "ab"} {
		var piece []byte
		piece = protoBytes(piece, 1, []byte(p))
		piece = binary.AppendUvarint(piece, 2<<3|wireFixed32)
		piece = binary.LittleEndian.AppendUint32(piece, math.Float32bits(float32(-i)))
		typ := uint64(pieceNormal)
		if i == 0 {
			typ = uint64(pieceUnknown)
		}
		piece = protoVarint(piece, 3, typ)
		m = protoBytes(m, 1, piece)
	}
	m = protoBytes(m, 2, trainer)
	return protoBytes(m, 3, normalizer)
}

func TestLoadErrors(t *testing.T) {
	bpe := protoVarint(nil, 3, spBPE)
	cases := []struct {
		name, data string
		want       []string // all in the error
	}{
		{"unigram.json", jsonWith("null", "null", "null", "Unigram"), []string{"model.type", "Unigram", "only BPE"}},
		{"nfkc.json", jsonWith(`{"type": "NFKC"}`, "null", "null", "BPE"), []string{"normalizer", "NFKC", "supported: Sequence, Prepend, Replace"}},
		{"seq.json", jsonWith(`{"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "x"}, {"type": "Lowercase"}]}`, "null", "null", "BPE"), []string{"normalizer.normalizers[1]", "Lowercase"}},
		{"regex.json", jsonWith(`{"type": "Replace", "pattern": {"Regex": " +"}, "content": " "}`, "null", "null", "BPE"), []string{"normalizer.pattern", "Regex"}},
		{"split.json", jsonWith("null", `{"type": "Split", "pattern": {"Regex": "\\d"}, "behavior": "Isolated"}`, "null", "BPE"), []string{"pre_tokenizer", "Split", "ByteLevel"}},
		{"wordpiece.json", jsonWith("null", "null", `{"type": "WordPiece"}`, "BPE"), []string{"decoder", "WordPiece", "supported"}},
		{"scheme.json", jsonWith("null", `{"type": "Metaspace", "replacement": "_", "prepend_scheme": "sometimes"}`, "null", "BPE"), []string{"pre_tokenizer.prepend_scheme", "sometimes"}},
		{"merge.json", strings.Replace(jsonWith("null", "null", "null", "BPE"), `"a b"`, `"a c"`, 1), []string{"model.merges[0]", "not in model.vocab"}},
		{"broken.json", `{"model": `, []string{"not valid tokenizer.json"}},
		{"unigram.model", string(spModelBytes(nil, nil)), []string{"model_type is UNIGRAM", "only BPE"}},
		{"nfkc.model", string(spModelBytes(bpe, protoBytes(protoBytes(nil, 1, []byte("nmt_nfkc")), 2, []byte{1, 2, 3}))), []string{"precompiled_charsmap", "nmt_nfkc", "identity"}},
		{"garbage.model", "\x0a\xff\xff\xff\xff\x0f", []string{"not a SentencePiece model", "truncated"}},
		{"empty.model", "", []string{"empty file"}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range append(c.want, path) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
	if _, err := Load(dir + "/missing.json"); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither tokenizer.json nor tokenizer.model") {
		t.Errorf("empty folder: %v", err)
	}
	ok, err := Load(filepath.Join(dir, "ok.model"))
	if err == nil {
		t.Errorf("ok.model does not exist but loaded %v", ok)
	}
}

// TestMinimalModels checks the smallest supported files end to end.
func TestMinimalModels(t *testing.T) {
	dir := t.TempDir()
	bpe := protoVarint(nil, 3, spBPE)
	sp := filepath.Join(dir, "tokenizer.model")
	if err := os.WriteFile(sp, spModelBytes(bpe, nil), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// "▁" is not a piece: unknown, like "c"; "ab" merges.
	if got := tok.Encode("ab c", false); !slices.Equal(got, []int{0, 3, 0}) {
		t.Errorf("SentencePiece Encode(\"ab c\") = %v, want [0 3 0]", got)
	}
	if err := tok.Save(t.TempDir()); err == nil || !strings.Contains(err.Error(), "remove_extra_whitespaces") {
		t.Errorf("Save of a SentencePiece model that removes extra whitespace: %v", err)
	}
	js := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(js, []byte(jsonWith("null", "null", "null", "BPE")), 0o644); err != nil {
		t.Fatal(err)
	}
	tok, err = Load(dir) // tokenizer.json wins over tokenizer.model
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("abba", false); !slices.Equal(got, []int{2, 1, 0}) {
		t.Errorf("tokenizer.json Encode(\"abba\") = %v, want [2 1 0]", got)
	}
	if got := tok.Decode([]int{2, 1, 0}); got != "ab b a" {
		t.Errorf("Decode without decoder = %q, want tokens joined by spaces", got)
	}
	if s := tok.String(); !strings.Contains(s, "3 tokens") || !strings.Contains(s, "bos=-1") {
		t.Errorf("String() = %q", s)
	}
	if r := tok.Render().Text(); r != tok.String() {
		t.Errorf("Render text %q, want %q", r, tok.String())
	}
	out := t.TempDir()
	if err := tok.Save(out); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(filepath.Join(out, "tokenizer.json"))
	orig, _ := os.ReadFile(js)
	if err != nil || string(saved) != string(orig) {
		t.Errorf("Save wrote %q (%v), want the file it was loaded from", saved, err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("Save left %d files in the folder, want 1", len(entries))
	}
}
