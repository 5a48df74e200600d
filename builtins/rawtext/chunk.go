package rawtext

import (
	"context"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/builtins/formats"
	"github.com/golora/golora/builtins/tokenizer"
	"github.com/golora/golora/internal/busy"
)

// DefaultCutoff is the chunk length in tokens when Options leave it 0: the
// training cutoff, formats.DefaultCutoff, that lora.Config.CutoffLen also
// defaults to.
const DefaultCutoff = formats.DefaultCutoff

// DefaultHardCut is the hard-cut string when Options leave it "": three
// newlines, that is, two blank lines.
const DefaultHardCut = "\n\n\n"

// Options say how Chunk cuts text into chunks. The zero value is usable.
type Options struct {
	// CutoffLen is the most tokens a chunk holds, BOS and EOS included.
	// 0 means DefaultCutoff.
	CutoffLen int
	// Overlap is how many tokens a chunk repeats from the end of the one
	// before it in the same block; less than CutoffLen (less than
	// CutoffLen − 1 with AddBOS).
	Overlap int
	// NewlineFavorLen, when > 0, moves the end of a chunk back to a line
	// break no more than this many characters before it, and the start of
	// the next chunk to one no more than this many characters before it.
	NewlineFavorLen int
	// HardCut splits the text into blocks that no chunk crosses. Escape
	// sequences are read as in a Go string, so `\n\n\n` (as a notebook
	// form field or raw string gives it) means three newlines. "" means
	// DefaultHardCut.
	HardCut string
	// MinChars drops blocks of at most this many characters, white space
	// at their ends aside; blocks of white space are always dropped.
	MinChars int
	// AddBOS puts the tokenizer's BOS token at the start of every chunk,
	// when the tokenizer adds one (tokenizer.Tokenizer.AddsBOS: a GGUF file
	// can say not to, as SmolLM2's does).
	AddBOS bool
	// AddEOS ends the last chunk of every block with the tokenizer's EOS.
	AddEOS bool
}

// A Piece is one chunk: the token ids a model trains on, the text they
// come from, and where that text is.
type Piece struct {
	IDs   []int
	Text  string // the text of the tokens, BOS and EOS aside
	File  string // the file the text comes from
	Block int    // which hard-cut block of the file, from 0, dropped ones counted
}

// Chunks are the pieces that Chunk cuts, in the order of the files, their
// blocks and the text.
type Chunks []Piece

// settings are Options checked and with defaults filled in.
type settings struct {
	Options
	hardCut string // HardCut unescaped
	size    int    // text tokens in a chunk: CutoffLen less a BOS
}

// Chunk cuts the text of path, a .txt file or a folder whose .txt files are
// read in natural order (file2.txt before file10.txt), into chunks of at
// most CutoffLen tokens for training, as the package documentation
// describes. ctx stops the work between blocks, and Chunk then returns
// ctx's error.
func Chunk(ctx context.Context, path string, tok *tokenizer.Tokenizer, opts Options) (Chunks, error) {
	defer busy.Enter(ctx)()
	if tok == nil {
		return nil, fmt.Errorf("rawtext: %s: no tokenizer: load one with tokenizer.Load", path)
	}
	s, err := check(opts, tok)
	if err != nil {
		return nil, fmt.Errorf("rawtext: %w", err)
	}
	files, err := textFiles(path)
	if err != nil {
		return nil, fmt.Errorf("rawtext: %w", err)
	}
	var chunks Chunks
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("rawtext: %w", err)
		}
		text := strings.ReplaceAll(string(raw), "\r", "")
		for i, part := range strings.Split(text, s.hardCut) {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("rawtext: chunking %s, block %d: %w", file, i, err)
			}
			if utf8.RuneCountInString(strings.TrimSpace(part)) <= s.MinChars {
				continue
			}
			chunks = append(chunks, s.chunkBlock(part, tok, file, i)...)
		}
	}
	if len(chunks) == 0 {
		return nil, fmt.Errorf("rawtext: %s: no text left: every block split off by the hard cut %q has at most %d characters (MinChars)", path, s.hardCut, s.MinChars)
	}
	return chunks, nil
}

// check validates opts and fills in the defaults.
func check(opts Options, tok *tokenizer.Tokenizer) (settings, error) {
	s := settings{Options: opts}
	if s.CutoffLen == 0 {
		s.CutoffLen = DefaultCutoff
	}
	if s.HardCut == "" {
		s.HardCut = DefaultHardCut
	}
	for _, v := range []struct {
		name  string
		value int
	}{{"CutoffLen", s.CutoffLen}, {"Overlap", s.Overlap}, {"NewlineFavorLen", s.NewlineFavorLen}, {"MinChars", s.MinChars}} {
		if v.value < 0 {
			return s, fmt.Errorf("%s %d is negative", v.name, v.value)
		}
	}
	var err error
	if s.hardCut, err = unescape(s.HardCut); err != nil {
		return s, fmt.Errorf("HardCut %q: %w", s.HardCut, err)
	}
	if s.AddBOS && tok.BOS() < 0 {
		return s, fmt.Errorf("AddBOS is set, but tokenizer %s has no BOS token", tok)
	}
	s.AddBOS = s.AddBOS && tok.AddsBOS()
	if s.AddEOS && tok.EOS() < 0 {
		return s, fmt.Errorf("AddEOS is set, but tokenizer %s has no EOS token", tok)
	}
	s.size = s.CutoffLen
	bos := ""
	if s.AddBOS {
		s.size--
		bos = ", less 1 for the BOS"
	}
	if s.size-s.Overlap <= 0 {
		return s, fmt.Errorf("Overlap %d is not less than CutoffLen %d%s: a chunk would not move past the one before it; make the overlap smaller", s.Overlap, s.CutoffLen, bos)
	}
	return s, nil
}

// chunkBlock tokenizes one block and cuts it into pieces.
func (s *settings) chunkBlock(text string, tok *tokenizer.Tokenizer, file string, index int) []Piece {
	ids, offsets := tok.EncodeOffsets(text, false)
	if s.AddEOS {
		ids = append(ids, tok.EOS())
		offsets = append(offsets, len(text))
	}
	b := &block{text: text, ids: ids, offsets: offsets}
	spans := b.windows(s.size, s.Overlap, s.NewlineFavorLen)
	pieces := make([]Piece, len(spans))
	for i, sp := range spans {
		chunk := make([]int, 0, sp[1]-sp[0]+1)
		if s.AddBOS {
			chunk = append(chunk, tok.BOS())
		}
		chunk = append(chunk, ids[sp[0]:sp[1]]...)
		pieces[i] = Piece{IDs: chunk, Text: text[b.at(sp[0]):b.at(sp[1])], File: file, Block: index}
	}
	return pieces
}
