package tokenizer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// ggufVocabs are the GGUF vocabularies that testdata/gguf/fetch.sh writes
// (their metadata, as JSON) and testdata/ref/gguf-*.json holds llama.cpp's
// ids for.
var ggufVocabs = []string{"smollm2", "llama", "llama-chat", "gpt2", "gpt2-added", "gpt2-llama-bpe", "gpt2-default", "gpt2-qwen2"}

// readGGUFVocab reads the tokenizer metadata that testdata/gguf/vocab.py
// dumped from a GGUF file into what a model loader passes to FromGGUF.
func readGGUFVocab(t testing.TB, name string) (path string, v GGUFVocab) {
	t.Helper()
	path = filepath.Join(testdataDir(t), "gguf", name+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run builtins/tokenizer/testdata/gguf/fetch.sh %s (after testdata/fetch.sh; it needs gguf and transformers in GOLORA_PYTHON)", err, filepath.Dir(testdataDir(t)))
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	get := func(key string, dst any) bool {
		raw, ok := meta[key]
		if !ok {
			return false
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatalf("%s: %s: %v", path, key, err)
		}
		return true
	}
	v = GGUFVocab{BOS: -1, EOS: -1, UNK: -1, PAD: -1}
	get("tokenizer.ggml.model", &v.Model)
	get("tokenizer.ggml.pre", &v.Pre)
	get("tokenizer.ggml.tokens", &v.Tokens)
	get("tokenizer.ggml.token_type", &v.Types)
	get("tokenizer.ggml.scores", &v.Scores)
	get("tokenizer.ggml.merges", &v.Merges)
	get("tokenizer.ggml.bos_token_id", &v.BOS)
	get("tokenizer.ggml.eos_token_id", &v.EOS)
	get("tokenizer.ggml.unknown_token_id", &v.UNK)
	get("tokenizer.ggml.padding_token_id", &v.PAD)
	flag := func(key string) *bool {
		var b bool
		if get(key, &b) {
			return &b
		}
		return nil
	}
	v.AddBOS = flag("tokenizer.ggml.add_bos_token")
	v.AddEOS = flag("tokenizer.ggml.add_eos_token")
	v.AddSpacePrefix = flag("tokenizer.ggml.add_space_prefix")
	get("general.name", &v.Name)
	return path, v
}

func loadGGUF(t testing.TB, name string) *Tokenizer {
	t.Helper()
	path, v := readGGUFVocab(t, name)
	tok, err := FromGGUF(path, v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestGGUFLlamaCpp compares each GGUF vocabulary with llama.cpp (its ids,
// with and without special tokens, and its detokenize, which is the text
// itself wherever llama.cpp's is) on both corpora.
func TestGGUFLlamaCpp(t *testing.T) {
	for _, name := range ggufVocabs {
		t.Run(name, func(t *testing.T) {
			tok, ref := loadGGUF(t, name), loadReference(t, "gguf-"+name)
			checkReference(t, tok, ref)
			texts, same := ref.texts(t), 0
			for _, text := range texts {
				if tok.Decode(tok.Encode(text, false)) == text {
					same++
				}
			}
			t.Logf("%s: %d of %d texts decode to themselves (the others, as in llama.cpp: special tokens, cleaned-up spaces)", tok.kind, same, len(texts))
		})
	}
}

// TestGGUFDefaultPre: a "gpt2" vocabulary without tokenizer.ggml.pre is
// tokenized as with pre "default", as llama.cpp does.
func TestGGUFDefaultPre(t *testing.T) {
	path, v := readGGUFVocab(t, "gpt2-default")
	v.Pre = ""
	tok, err := FromGGUF(path, v)
	if err != nil {
		t.Fatal(err)
	}
	checkReference(t, tok, loadReference(t, "gguf-gpt2-default"))
}

// TestGGUFSave saves GGUF vocabularies as tokenizer.json and checks that
// this package and Hugging Face tokenizers (through $GOLORA_PYTHON, unless
// -short) read the file back to llama.cpp's ids; a pre type without such a
// form is refused.
func TestGGUFSave(t *testing.T) {
	python := os.Getenv("GOLORA_PYTHON")
	if python == "" && !testing.Short() {
		t.Fatal("GOLORA_PYTHON is not set: point it to a Python with the tokenizers package (or run with -short to skip the Hugging Face half)")
	}
	for _, name := range []string{"smollm2", "gpt2-added", "llama", "llama-chat"} {
		t.Run(name, func(t *testing.T) {
			tok, ref := loadGGUF(t, name), loadReference(t, "gguf-"+name)
			dir := t.TempDir()
			if err := tok.Save(dir); err != nil {
				t.Fatal(err)
			}
			saved, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			texts := ref.texts(t)
			got := make([][]int, len(texts))
			for i, text := range texts {
				got[i] = saved.Encode(text, false)
			}
			compareIDs(t, "Load of the saved file", texts, got, ref.IDs)
			if python != "" {
				compareIDs(t, "tokenizers' reading of the saved file", texts, encodePython(t, python, filepath.Join(dir, "tokenizer.json"), texts), ref.IDs)
			}
		})
	}
	if err := loadGGUF(t, "gpt2-llama-bpe").Save(t.TempDir()); err == nil || !strings.Contains(err.Error(), "llama-bpe") {
		t.Errorf("Save of a llama-bpe vocabulary: %v, want an error naming the pre type", err)
	}
}

// compareIDs reports the texts whose ids differ from llama.cpp's.
func compareIDs(t *testing.T, what string, texts []string, got, want [][]int) {
	t.Helper()
	bad := 0
	for i := range texts {
		if !slices.Equal(got[i], want[i]) {
			if bad++; bad <= 5 {
				t.Errorf("%s: text %d %q:\n got %v\nwant %v", what, i, texts[i], got[i], want[i])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d texts differ from llama.cpp", what, bad, len(texts))
	}
}

// encodePython encodes texts with Hugging Face tokenizers (testdata/encode.py).
func encodePython(t *testing.T, python, tokenizerJSON string, texts []string) [][]int {
	t.Helper()
	lines := filepath.Join(t.TempDir(), "texts.jsonl")
	var b strings.Builder
	for _, text := range texts {
		line, _ := json.Marshal(text)
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(lines, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "encode.py"), tokenizerJSON, lines)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s testdata/encode.py: %v", python, err)
	}
	var ref struct {
		IDs [][]int `json:"ids"`
	}
	if err := json.Unmarshal(out, &ref); err != nil || len(ref.IDs) != len(texts) {
		t.Fatalf("testdata/encode.py: %d encodings for %d texts (%v)", len(ref.IDs), len(texts), err)
	}
	return ref.IDs
}

// smallGGUF is a small "gpt2" vocabulary: the 256 byte-level tokens, a few
// merges, a control and a user-defined token.
func smallGGUF() GGUFVocab {
	var tokens []string
	for b := range 256 {
		tokens = append(tokens, string(byteLevelChars[b]))
	}
	tokens = append(tokens, "Ġt", "he", "Ġthe", "<|im_start|>", "<tool>")
	types := make([]int32, len(tokens))
	for i := range types {
		types[i] = ggufNormal
	}
	types[len(types)-2], types[len(types)-1] = ggufControl, ggufUserDefined
	return GGUFVocab{Model: "gpt2", Pre: "smollm", Tokens: tokens, Types: types,
		Merges: []string{"Ġ t", "h e", "Ġt he"}, BOS: 259, EOS: 259, UNK: -1, PAD: -1}
}

// smallSentencePieceGGUF is a small "llama" vocabulary: <unk>, <s>, </s>,
// the 256 byte tokens, and a few pieces with scores.
func smallSentencePieceGGUF() GGUFVocab {
	tokens := []string{"<unk>", "<s>", "</s>"}
	types := []int32{ggufUnknown, ggufControl, ggufControl}
	for b := range 256 {
		tokens = append(tokens, bytePieceName(byte(b)))
		types = append(types, ggufByte)
	}
	for _, p := range []string{"▁", "a", "b", "ab", "▁a", "▁ab"} {
		tokens = append(tokens, p)
		types = append(types, ggufNormal)
	}
	scores := make([]float32, len(tokens))
	for i := range scores {
		scores[i] = -float32(i)
	}
	return GGUFVocab{Model: "llama", Tokens: tokens, Types: types, Scores: scores, BOS: -1, EOS: -1, UNK: -1, PAD: -1}
}

func TestGGUFSmall(t *testing.T) {
	tok, err := FromGGUF("small.gguf", smallGGUF())
	if err != nil {
		t.Fatal(err)
	}
	// t he <|im_start|> t he Ġ 1 2: smollm cuts digits one by one, and
	// add_bos is false by default.
	if got, want := tok.Encode("the<|im_start|>the 12", true), []int{'t', 257, 259, 't', 257, ' ', '1', '2'}; !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
	if got, want := tok.Encode(" the", false), []int{258}; !slices.Equal(got, want) {
		t.Errorf("Encode(\" the\") = %v, want %v", got, want)
	}
	if tok.AddsBOS() {
		t.Error("AddsBOS() for a gpt2 vocabulary without add_bos_token")
	}
	if got := tok.Decode(tok.Encode("the<|im_start|>x<tool>", false)); got != "thex<tool>" {
		t.Errorf("Decode = %q: want control tokens dropped, user-defined ones kept", got)
	}
	sp, err := FromGGUF("small.gguf", smallSentencePieceGGUF())
	if err != nil {
		t.Fatal(err)
	}
	// Default BOS 1, add_bos true, the space prefix again after <s>.
	if got, want := sp.Encode("ab<s>ab", true), []int{1, 264, 1, 264}; !slices.Equal(got, want) {
		t.Errorf("llama Encode = %v, want %v", got, want)
	}
	if got := sp.Decode([]int{264, 1, 264}); got != "ab ab" {
		t.Errorf("llama Decode = %q, want %q", got, "ab ab")
	}
}

func TestGGUFErrors(t *testing.T) {
	with := func(base GGUFVocab, change func(*GGUFVocab)) GGUFVocab {
		base.Tokens, base.Types, base.Merges = slices.Clone(base.Tokens), slices.Clone(base.Types), slices.Clone(base.Merges)
		change(&base)
		return base
	}
	yes := true
	cases := []struct {
		name string
		v    GGUFVocab
		want []string
	}{
		{"bert", with(smallGGUF(), func(v *GGUFVocab) { v.Model = "bert" }), []string{"tokenizer.ggml.model", `"bert"`, `"gpt2"`, `"llama"`, "tokenizer.Load"}},
		{"pre", with(smallGGUF(), func(v *GGUFVocab) { v.Pre = "deepseek-coder" }), []string{"tokenizer.ggml.pre", `"deepseek-coder"`, `"smollm"`, `"llama-bpe"`}},
		{"no merges", with(smallGGUF(), func(v *GGUFVocab) { v.Merges = nil }), []string{"tokenizer.ggml.merges", "missing"}},
		{"merge", with(smallGGUF(), func(v *GGUFVocab) { v.Merges[1] = "h zz" }), []string{"tokenizer.ggml.merges[1]", `"h zz"`, `"zz" is not a token`}},
		{"merge form", with(smallGGUF(), func(v *GGUFVocab) { v.Merges[0] = "Ġt" }), []string{"tokenizer.ggml.merges[0]", "separated by a space"}},
		{"type", with(smallGGUF(), func(v *GGUFVocab) { v.Types[3] = 9 }), []string{"tokenizer.ggml.token_type[3] is 9", "want 1 (normal) to 6 (byte)"}},
		{"types", with(smallGGUF(), func(v *GGUFVocab) { v.Types = v.Types[:10] }), []string{"tokenizer.ggml.token_type has 10 entries"}},
		{"byte type", with(smallGGUF(), func(v *GGUFVocab) { v.Types[258] = ggufByte }), []string{"tokenizer.ggml.tokens[258]", "type 6", "<0xXX>"}},
		{"bos", with(smallGGUF(), func(v *GGUFVocab) { v.BOS = 1000 }), []string{"tokenizer.ggml.bos_token_id is 1000", "outside the 261 tokens"}},
		{"pad", with(smallGGUF(), func(v *GGUFVocab) { v.PAD = -5 }), []string{"tokenizer.ggml.padding_token_id is -5"}},
		{"add bos", with(smallGGUF(), func(v *GGUFVocab) { v.BOS, v.AddBOS = -1, &yes }), []string{"tokenizer.ggml.add_bos_token is true", "no tokenizer.ggml.bos_token_id"}},
		{"twice", with(smallGGUF(), func(v *GGUFVocab) { v.Tokens[257] = "Ġt" }), []string{"tokenizer.ggml.tokens[257]", "also token 256"}},
		{"empty", with(smallGGUF(), func(v *GGUFVocab) { v.Tokens = nil }), []string{"tokenizer.ggml.tokens is missing"}},
		{"phi-3", with(smallGGUF(), func(v *GGUFVocab) { v.Name = "Phi-3 Mini" }), []string{"general.name", "Phi-3 Mini", "not supported"}},
		{"byte tokens", with(smallSentencePieceGGUF(), func(v *GGUFVocab) { v.Tokens[3+10], v.Types[3+10] = "x", ggufNormal }), []string{"<0x0A>", "type 6 (byte)", "all 256"}},
	}
	for _, c := range cases {
		_, err := FromGGUF("/models/x.gguf", c.v)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		for _, w := range append(c.want, "/models/x.gguf") {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
}

// FuzzFromGGUF: any vocabulary built from the fuzzer's strings loads or
// fails without panic (merges naming tokens that do not exist, types and
// ids out of range), and a loaded one encodes into ids in the vocabulary
// and decodes without panic.
func FuzzFromGGUF(f *testing.F) {
	join := func(v GGUFVocab) (string, string, []byte) {
		types := make([]byte, len(v.Types))
		for i, t := range v.Types {
			types[i] = byte(t)
		}
		return strings.Join(v.Tokens, "\n"), strings.Join(v.Merges, "\n"), types
	}
	for _, v := range []GGUFVocab{smallGGUF(), smallSentencePieceGGUF()} {
		tokens, merges, types := join(v)
		for _, pre := range []string{"smollm", "llama-bpe", "default", "qwen2", "gpt-2", "nope"} {
			f.Add(v.Model, pre, tokens, merges, types, 259, -1, "the<|im_start|> 123\n<s>ab")
		}
		f.Add(v.Model, "", tokens, merges+"\nx y", types, 1000, 0, "")
		f.Add(v.Model, "", tokens, merges, append(types[:len(types)-1], 9), -7, 2, "")
	}
	f.Fuzz(func(t *testing.T, model, pre, tokens, merges string, types []byte, bos, eos int, text string) {
		v := GGUFVocab{Model: model, Pre: pre, Tokens: strings.Split(tokens, "\n"), BOS: bos, EOS: eos, UNK: -1, PAD: -1}
		if merges != "" {
			v.Merges = strings.Split(merges, "\n")
		}
		for _, b := range types {
			v.Types = append(v.Types, int32(int8(b)))
		}
		tok, err := FromGGUF("fuzz.gguf", v)
		if err != nil {
			return
		}
		exercise(tok)
		for _, s := range []string{text, tokens} {
			ids, offsets := tok.EncodeOffsets(s, true)
			for i, id := range ids {
				if id < 0 || id >= tok.VocabSize() || offsets[i] < 0 || offsets[i] > len(s) || (i > 0 && offsets[i] < offsets[i-1]) {
					t.Fatalf("Encode(%q) = %v, offsets %v", s, ids, offsets)
				}
			}
		}
	})
}
