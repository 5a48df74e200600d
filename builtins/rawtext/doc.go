// Package rawtext cuts plain text into chunks of tokens to fine-tune a
// model on, as the raw-text mode of text-generation-webui's Train LoRA tab
// does, with two of its flaws mended: newline favouring never drops text,
// and no chunk joins the end of one file to the start of the next.
//
//	chunks, err := rawtext.Chunk(ctx, "books/", tok, rawtext.Options{CutoffLen: 256, Overlap: 32, NewlineFavorLen: 128})
//	chunks            // a preview: count, token statistics, first chunks
//	chunks[0].IDs     // the token ids of the first chunk
//
// # Text
//
// path is a file, or a folder whose .txt files (not those of its
// sub-folders) are read in natural order: digit runs compare as numbers, so
// part2.txt comes before part10.txt. Each file is read on its own: every
// "\r" is removed, and the text is split at each occurrence of the hard-cut
// string (default three newlines; escape sequences such as \n are read as
// in a Go string). A block whose text, trimmed of white space at its ends,
// has at most MinChars characters is dropped; the others are kept as they
// are, untrimmed. No chunk crosses a hard cut or a file boundary, so no
// chunk holds the hard-cut string.
//
// # Windows
//
// Each block is tokenized once, as a whole, without BOS; with AddEOS the
// EOS token is appended as the block's last token. Chunks are windows of
// these tokens, so a chunk holds exactly the tokens the block's encoding
// has there. With AddBOS every chunk starts with the BOS token, which
// counts towards CutoffLen: a window is W = CutoffLen − 1 tokens then, else
// W = CutoffLen. Let V be Overlap, n the block's token count, and call
// boundary k the place before token k (0 ≤ k ≤ n). The first window starts
// at s = 0; then, repeatedly:
//
//  1. The window ends at e = min(s + W, n).
//  2. Newline favouring (NewlineFavorLen = N > 0), for a window that ends
//     inside the block (e < n): if some boundary k with s + V < k ≤ e is a
//     line start — the character before it is "\n" — and the text between
//     k and e has at most N characters, the window ends at the last such
//     k instead. The chunk then ends with its line's "\n".
//  3. The chunk is tokens s … e−1. If e = n the block is done.
//  4. The next window starts at e − V, so that it repeats exactly the last
//     V tokens of this one. With N > 0 it starts instead at the line start
//     nearest to e − V, within N characters either way, after s and no
//     later than e (the nearer of two as near is the earlier): the overlap
//     grows or shrinks by at most N characters so that the chunk begins a
//     line. If there is none, it starts at e − V.
//
// Every window starts after the one before it (step 2 keeps e − V > s), so
// the cutting ends; with N = 0 consecutive windows start W − V tokens apart
// and overlap by exactly V tokens. No window starts after the end of the
// one before it, so every token of a block is in some chunk: no text is
// dropped, and the first chunk of a block starts at its first token, so a
// document's first line is never dropped. Overlap must be less than W (an
// error names Overlap and CutoffLen otherwise). A chunk's Text is the
// block's text that its tokens cover, which may begin or end inside a
// character when a byte-level token splits one.
//
// A large NewlineFavorLen against a small CutoffLen makes windows short and
// many; a few lines' worth (say 100 characters for a cutoff of 256 tokens)
// moves cuts to line breaks at little cost.
//
// Chunks.Examples gives the chunks as formats.Example values with every
// token but the first trained on, as a trainer takes them.
package rawtext
