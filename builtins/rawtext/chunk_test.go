package rawtext

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/tokenizer"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// texts are three blocks of prose, the middle one with CRLF line ends.
func threeBlocks(t *testing.T) (blocks []string, file string) {
	rng := rand.New(rand.NewPCG(3, 4))
	blocks = []string{prose(rng, 30), prose(rng, 25), prose(rng, 40)}
	content := blocks[0] + "\n\n\n" + strings.ReplaceAll(blocks[1], "\n", "\r\n") + "\r\n\r\n\r\n" + blocks[2]
	return blocks, writeFile(t, t.TempDir(), "book.txt", content)
}

func TestChunkHardCut(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	blocks, file := threeBlocks(t)
	for _, favor := range []int{0, 60} {
		chunks, err := Chunk(context.Background(), file, tok, Options{CutoffLen: 48, Overlap: 8, NewlineFavorLen: favor})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int]bool{}
		for i, p := range chunks {
			if strings.Contains(p.Text, "\n\n\n") || strings.Contains(p.Text, "\r") {
				t.Errorf("favor %d: chunk %d holds the hard cut or a \\r: %q", favor, i, p.Text)
			}
			if !strings.Contains(blocks[p.Block], p.Text) {
				t.Errorf("favor %d: chunk %d is not text of block %d: %q", favor, i, p.Block, p.Text)
			}
			if len(p.IDs) > 48 || p.File != file {
				t.Errorf("favor %d: chunk %d: %d tokens, file %q", favor, i, len(p.IDs), p.File)
			}
			seen[p.Block] = true
		}
		if len(seen) != 3 {
			t.Errorf("favor %d: chunks come from blocks %v, want 0, 1 and 2", favor, seen)
		}
	}
}

// TestChunkOverlap: without favouring, consecutive chunks of a block share
// exactly Overlap tokens, and all chunks but a block's last are full.
func TestChunkOverlap(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	blocks, file := threeBlocks(t)
	const cutoff, overlap = 40, 12
	chunks, err := Chunk(context.Background(), file, tok, Options{CutoffLen: cutoff, Overlap: overlap, AddBOS: true, AddEOS: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range chunks {
		if p.IDs[0] != tok.BOS() {
			t.Fatalf("chunk %d does not start with BOS", i)
		}
		last := i == len(chunks)-1 || chunks[i+1].Block != p.Block
		if last {
			if p.IDs[len(p.IDs)-1] != tok.EOS() {
				t.Errorf("chunk %d, the last of block %d, does not end with EOS", i, p.Block)
			}
			continue
		}
		if len(p.IDs) != cutoff {
			t.Errorf("chunk %d has %d tokens, want %d", i, len(p.IDs), cutoff)
		}
		next := chunks[i+1].IDs[1:]
		if !slices.Equal(p.IDs[len(p.IDs)-overlap:], next[:overlap]) {
			t.Errorf("chunks %d and %d do not share exactly %d tokens", i, i+1, overlap)
		}
	}
	// The chunks of a block, overlaps taken off, are the block's tokens.
	for b, text := range blocks {
		var ids []int
		for i, p := range chunks {
			if p.Block != b {
				continue
			}
			body := p.IDs[1:]
			if len(ids) > 0 {
				body = body[overlap:]
			}
			if i == len(chunks)-1 || chunks[i+1].Block != b {
				body = body[:len(body)-1] // the EOS
			}
			ids = append(ids, body...)
		}
		if want := tok.Encode(text, false); !slices.Equal(ids, want) {
			t.Errorf("block %d: the chunks hold %d tokens, the block encodes to %d", b, len(ids), len(want))
		}
	}
}

// TestChunkFirstLine: a short first line, followed by long ones, is where
// text-generation-webui's newline favouring cuts; here the first chunk
// starts with it.
func TestChunkFirstLine(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, text := range []string{
		"Title\n" + prose(rng, 20),
		"Chapter 1\n\n\nIt\n" + prose(rng, 10),
	} {
		file := writeFile(t, t.TempDir(), "a.txt", text)
		chunks, err := Chunk(context.Background(), file, tok, Options{CutoffLen: 30, Overlap: 5, NewlineFavorLen: 1000})
		if err != nil {
			t.Fatal(err)
		}
		firsts := map[int]bool{}
		for _, p := range chunks {
			if firsts[p.Block] {
				continue
			}
			firsts[p.Block] = true
			block := strings.Split(text, "\n\n\n")[p.Block]
			line, _, _ := strings.Cut(block, "\n")
			if !strings.HasPrefix(p.Text+"\n", line+"\n") {
				t.Errorf("block %d: first chunk %q does not start with the first line %q", p.Block, p.Text, line)
			}
		}
	}
}

func TestChunkErrors(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	dir := t.TempDir()
	file := writeFile(t, dir, "a.txt", "some text\nmore text")
	for _, tc := range []struct {
		path string
		opts Options
		want []string
	}{
		{file, Options{CutoffLen: 16, Overlap: 16}, []string{"Overlap 16", "CutoffLen 16"}},
		{file, Options{CutoffLen: 16, Overlap: 20}, []string{"Overlap 20", "CutoffLen 16"}},
		{file, Options{CutoffLen: 16, Overlap: 15, AddBOS: true}, []string{"Overlap 15", "CutoffLen 16", "BOS"}},
		{file, Options{Overlap: -1}, []string{"Overlap -1 is negative"}},
		{file, Options{HardCut: `\q`}, []string{`HardCut "\\q"`, "bad escape"}},
		{file, Options{MinChars: 100}, []string{"no text left", "100"}},
		{filepath.Join(dir, "none.txt"), Options{}, []string{"none.txt"}},
		{t.TempDir(), Options{}, []string{"no .txt files"}},
	} {
		_, err := Chunk(context.Background(), tc.path, tok, tc.opts)
		if err == nil {
			t.Errorf("%+v: no error", tc.opts)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q does not say %q", tc.opts, err, w)
			}
		}
	}
	if _, err := Chunk(context.Background(), file, nil, Options{}); err == nil {
		t.Error("no error without a tokenizer")
	}
}

func TestChunkCanceled(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	_, file := threeBlocks(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Chunk(ctx, file, tok, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Chunk with a cancelled context: error %v, want context.Canceled", err)
	}
}

func TestChunkFolder(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	dir := t.TempDir()
	for _, name := range []string{"part10.txt", "part2.txt", "part1.txt", "Part3.TXT", "notes.md"} {
		writeFile(t, dir, name, "This is "+name+".")
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	chunks, err := Chunk(context.Background(), dir, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range chunks {
		got = append(got, filepath.Base(p.File)+": "+p.Text)
	}
	want := []string{"Part3.TXT: This is Part3.TXT.", "part1.txt: This is part1.txt.", "part2.txt: This is part2.txt.", "part10.txt: This is part10.txt."}
	if !slices.Equal(got, want) {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

func TestNaturalCompare(t *testing.T) {
	names := []string{"b.txt", "a10.txt", "a2.txt", "a02.txt", "a1b.txt", "a1.txt", "a.txt", "10.txt", "9.txt"}
	slices.SortFunc(names, naturalCompare)
	want := []string{"9.txt", "10.txt", "a.txt", "a1.txt", "a1b.txt", "a02.txt", "a2.txt", "a10.txt", "b.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %q, want %q", names, want)
	}
}

func TestHardCutAndMinChars(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	file := writeFile(t, t.TempDir(), "a.txt", "first part\n---\n  tiny \n---\nthird part is longer\n---\n\n")
	chunks, err := Chunk(context.Background(), file, tok, Options{HardCut: `\n---\n`, MinChars: 4})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range chunks {
		got = append(got, p.Text)
		if p.Block != map[string]int{"first part": 0, "third part is longer": 2}[p.Text] {
			t.Errorf("chunk %q is from block %d", p.Text, p.Block)
		}
	}
	if want := []string{"first part", "third part is longer"}; !slices.Equal(got, want) {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`\n\n\n`:           "\n\n\n",
		"\n\n\n":           "\n\n\n",
		`\t|\\|\x41\u00e9`: "\t|\\|Aé",
		`a"b`:              `a"b`,
	} {
		if got, err := unescape(in); err != nil || got != want {
			t.Errorf("unescape(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestRender(t *testing.T) {
	tok := loadTokenizer(t, byteLevel)
	_, file := threeBlocks(t)
	chunks, err := Chunk(context.Background(), file, tok, Options{CutoffLen: 64})
	if err != nil {
		t.Fatal(err)
	}
	text := chunks.String()
	if !strings.Contains(text, " chunks from 1 file(s); tokens a chunk: min ") || !strings.Contains(text, "── chunk 4 · book.txt block 0 · 64 tokens") {
		t.Errorf("text form:\n%s", text)
	}
	if html := chunks.Render().Data["text/html"].(string); !strings.Contains(html, "<td>book.txt block 0</td>") {
		t.Errorf("HTML lacks the source")
	}
	examples := chunks.Examples()
	if len(examples) != len(chunks) || examples[0].Mask[0] || slices.Contains(examples[0].Mask[1:], false) {
		t.Errorf("Examples: %d, mask %v", len(examples), examples[0].Mask)
	}
}

// TestChunkFollowsTheFilesBOS checks that AddBOS adds the BOS token only
// when the tokenizer adds one: a GGUF vocabulary whose add_bos_token is
// false (SmolLM2's) starts no chunk with it.
func TestChunkFollowsTheFilesBOS(t *testing.T) {
	tokens := []string{"<unk>", "<s>", "</s>"}
	types := []int32{2, 3, 3}
	for b := range 256 {
		tokens = append(tokens, fmt.Sprintf("<0x%02X>", b))
		types = append(types, 6)
	}
	file := writeFile(t, t.TempDir(), "ten.txt", "one two three four five six seven eight nine ten")
	for _, adds := range []bool{false, true} {
		tok, err := tokenizer.FromGGUF("test.gguf", tokenizer.GGUFVocab{Model: "llama", Tokens: tokens, Types: types,
			BOS: 1, EOS: 2, UNK: 0, PAD: -1, AddBOS: &adds})
		if err != nil {
			t.Fatal(err)
		}
		chunks, err := Chunk(context.Background(), file, tok, Options{CutoffLen: 16, Overlap: 4, AddBOS: true})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range chunks {
			if got := c.IDs[0] == 1; got != adds {
				t.Errorf("add_bos_token %v: chunk %d starts with %d", adds, i, c.IDs[0])
			}
		}
	}
}
