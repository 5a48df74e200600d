package tokenizer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/golora/golora/builtins/display"
)

// Tokenizer turns text into token ids and back. It is safe for concurrent
// use.
type Tokenizer struct {
	source string // the file it was loaded from, or "TrainBPE"
	kind   string // what kind of model, in words
	pieces []string
	index  map[string]int
	bos    int
	eos    int
	pad    int
	unk    int
	addBOS bool // what Encode(text, true) puts in front: bos
	addEOS bool // and at the end: eos (GGUF's add_eos_token)
	enc    encoder
	dec    decoder
	json   func() ([]byte, error) // the tokenizer.json that Save writes
}

// Load reads a tokenizer: a Hugging Face tokenizer.json, a SentencePiece
// tokenizer.model, or a folder holding one of them (tokenizer.json if it
// has both).
func Load(path string) (*Tokenizer, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if info.IsDir() {
		found := ""
		for _, name := range []string{"tokenizer.json", "tokenizer.model"} {
			if _, err := os.Stat(filepath.Join(path, name)); err == nil {
				found = filepath.Join(path, name)
				break
			}
		}
		if found == "" {
			return nil, fmt.Errorf("tokenizer %s: folder has neither tokenizer.json nor tokenizer.model", path)
		}
		path = found
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	return t, nil
}

// parse builds a tokenizer from the bytes of a tokenizer.json or a
// SentencePiece model; it tells them apart by the leading "{" of JSON.
func parse(path string, data []byte) (t *Tokenizer, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("internal error: %v", r)
		}
	}()
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' {
		return parseJSON(path, data)
	}
	if len(data) == 0 {
		return nil, errors.New("empty file")
	}
	return parseSentencePieceModel(path, data)
}

// parseSentencePieceModel builds a tokenizer from a SentencePiece model.
func parseSentencePieceModel(path string, data []byte) (*Tokenizer, error) {
	m, err := parseSentencePiece(data)
	if err != nil {
		return nil, fmt.Errorf("not a SentencePiece model (nor JSON): %w", err)
	}
	if err := m.supported(); err != nil {
		return nil, err
	}
	enc, err := newSPEncoder(m)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{
		source: path,
		kind:   "SentencePiece BPE",
		pieces: make([]string, len(m.pieces)),
		index:  make(map[string]int, len(m.pieces)),
		unk:    int(enc.unk),
		enc:    enc,
		dec:    newSPDecoder(m, enc),
	}
	for i, p := range m.pieces {
		t.pieces[i] = p.text
		if _, ok := t.index[p.text]; !ok {
			t.index[p.text] = i
		}
	}
	control := func(piece string) int {
		if i, ok := enc.reserved[piece]; ok && m.pieces[i].typ == pieceControl {
			return int(i)
		}
		return -1
	}
	t.bos, t.eos, t.pad = control(m.bosPiece), control(m.eosPiece), control(m.padPiece)
	t.addBOS = t.bos >= 0
	if m.byteFallback {
		t.kind += " with byte fallback"
	}
	t.json = func() ([]byte, error) { return sentencePieceJSON(m, t.bos) }
	return t, nil
}

// Encode returns the token ids of text, with the BOS token in front when
// addBOS is set and the tokenizer has one. A GGUF vocabulary decides for
// itself, as llama.cpp's tokenize(text, add_special) does: addBOS puts BOS
// in front only if its add_bos_token says so (SmolLM2's does not), and EOS
// at the end if its add_eos_token does; AddsBOS tells.
func (t *Tokenizer) Encode(text string, addBOS bool) []int {
	out := encoding{ids: make([]int, 0, len(text)/3+2)}
	t.encodeTo(&out, text, addBOS)
	return out.ids
}

// EncodeOffsets is Encode that also returns, for each token, the byte
// offset in text where it starts (0 for BOS). A token that covers part of
// a character (a byte-fallback or byte-level token) starts at its own byte;
// a token that starts with a space written as "▁" starts at that space.
func (t *Tokenizer) EncodeOffsets(text string, addBOS bool) (ids []int, offsets []int) {
	n := len(text)/3 + 2
	out := encoding{ids: make([]int, 0, n), offsets: make([]int, 0, n), wantOffsets: true}
	t.encodeTo(&out, text, addBOS)
	return out.ids, out.offsets
}

func (t *Tokenizer) encodeTo(out *encoding, text string, addBOS bool) {
	if addBOS && t.addBOS {
		out.add(t.bos, 0)
	}
	t.enc.encode(out, text)
	if addBOS && t.addEOS {
		out.add(t.eos, len(text))
	}
}

// AddsBOS reports whether Encode(text, true) puts the BOS token in front:
// for a GGUF vocabulary what its tokenizer.ggml.add_bos_token says (or
// llama.cpp's default for its kind), for the other formats whether there is
// a BOS token. Code that adds BOS itself should ask this first.
func (t *Tokenizer) AddsBOS() bool { return t.addBOS }

// Decode returns the text of ids. Special and control tokens (BOS, EOS,
// PAD, added special tokens) are skipped, as Hugging Face's
// decode(ids, skip_special_tokens=True) and SentencePiece's decode do; ids
// outside the vocabulary are skipped too. A GGUF vocabulary decodes as
// llama.cpp's llama_detokenize (without special tokens), which may clean
// up spaces before punctuation and leave bytes that are not UTF-8.
func (t *Tokenizer) Decode(ids []int) string { return t.dec.decode(ids) }

// BOS returns the id of the beginning-of-sequence token, or -1.
func (t *Tokenizer) BOS() int { return t.bos }

// EOS returns the id of the end-of-sequence token, or -1.
func (t *Tokenizer) EOS() int { return t.eos }

// PAD returns the id of the padding token, or -1.
func (t *Tokenizer) PAD() int { return t.pad }

// VocabSize returns the number of token ids: one more than the largest.
func (t *Tokenizer) VocabSize() int { return len(t.pieces) }

// Token returns the piece of id as the vocabulary writes it ("▁the",
// "Ġthe", "<0x0A>"), or "" for an id outside the vocabulary.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.pieces) {
		return ""
	}
	return t.pieces[id]
}

// ID returns the id of a piece as the vocabulary writes it.
func (t *Tokenizer) ID(token string) (int, bool) {
	id, ok := t.index[token]
	return id, ok
}

// String is a one-line summary: kind, source, vocabulary size, special ids.
func (t *Tokenizer) String() string {
	return fmt.Sprintf("tokenizer: %s, %d tokens, bos=%d eos=%d pad=%d unk=%d (%s)",
		t.kind, len(t.pieces), t.bos, t.eos, t.pad, t.unk, t.source)
}

// Render shows the summary in a notebook.
func (t *Tokenizer) Render() display.Bundle { return display.Text(t.String()) }
