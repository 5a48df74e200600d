package tokenizer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// metaspace is the character that SentencePiece writes for a space.
const metaspace = "\u2581"

// noMerge is the symbol id of a character that no merge involves.
const noMerge = -2

// maxMergedPiece bounds, in bytes, the pieces that merging can make; the
// cost of finding their merges grows with the square of their length.
// SentencePiece's trainer makes pieces of at most 512 bytes
// (max_sentencepiece_length).
const maxMergedPiece = 2048

// spEncoder encodes text as SentencePiece's BPE model does: normalize
// (identity rule: escape spaces as "▁", add the dummy prefix, optionally
// drop extra whitespace), split into characters and user-defined symbols,
// merge adjacent symbols into the piece of highest score until none
// remains, then map pieces to ids, unknown ones to byte pieces or <unk>.
type spEncoder struct {
	addDummyPrefix bool
	removeExtraWS  bool
	escapeWS       bool

	user   *prefixSet       // user-defined symbols: never split or merged
	userID map[string]int32 // their ids

	// Symbols are piece ids for pieces that take part in merging, and
	// ids from len(pieces) up for the other characters that some piece
	// is made of.
	asciiSym  [utf8.RuneSelf]int32
	charSym   map[rune]int32
	symPieces int32   // symbol ids below this are piece ids
	final     []int32 // piece id -> output id
	reserved  map[string]int32
	merges    mergeTable
	splitAtWS bool // no piece joins a word to the space after it
	// alone marks the ASCII characters that no merge involves ("\n" in
	// LLaMA's model): runs are cut before and after them.
	alone [utf8.RuneSelf]bool

	unk          int32
	byteFallback bool
	bytePiece    [256]int32

	cache *wordCache
}

func newSPEncoder(m *spModel) (*spEncoder, error) {
	e := &spEncoder{
		addDummyPrefix: m.addDummyPrefix,
		removeExtraWS:  m.removeExtraWS,
		escapeWS:       m.escapeWS,
		userID:         map[string]int32{},
		charSym:        map[rune]int32{},
		symPieces:      int32(len(m.pieces)),
		final:          make([]int32, len(m.pieces)),
		reserved:       map[string]int32{},
		merges:         mergeTable{},
		unk:            -1,
		byteFallback:   m.byteFallback,
		cache:          newWordCache(),
	}
	// Pieces that merging can produce (normal, user-defined, unused) and
	// the others (control, unknown, byte), as SentencePiece keeps them.
	mergeable := map[string]int32{}
	var users []string
	var byteSeen [256]bool
	for i, p := range m.pieces {
		id := int32(i)
		table := e.reserved
		if p.typ == pieceNormal || p.typ == pieceUserDefined || p.typ == pieceUnused {
			table = mergeable
		}
		if _, dup := table[p.text]; dup {
			return nil, fmt.Errorf("piece %d %q is defined twice", i, p.text)
		}
		table[p.text] = id
		switch p.typ {
		case pieceUserDefined:
			users = append(users, p.text)
		case pieceUnknown:
			if e.unk >= 0 {
				return nil, fmt.Errorf("piece %d %q: a second unknown piece (the first is %d)", i, p.text, e.unk)
			}
			e.unk = id
		case pieceByte:
			b, ok := parseBytePiece(p.text)
			if !ok {
				return nil, fmt.Errorf("piece %d %q: byte piece not of the form <0xXX>", i, p.text)
			}
			if !m.byteFallback {
				return nil, fmt.Errorf("piece %d %q: byte piece but trainer_spec.byte_fallback is false", i, p.text)
			}
			byteSeen[b] = true
			e.bytePiece[b] = id
		}
	}
	if e.unk < 0 && !m.byteFallback {
		return nil, errors.New("no piece of type UNKNOWN")
	}
	if m.byteFallback {
		for b, ok := range byteSeen {
			if !ok {
				return nil, fmt.Errorf("trainer_spec.byte_fallback is true but piece <0x%02X> is missing", b)
			}
		}
	}
	pieceToID := func(s string) int32 {
		if id, ok := e.reserved[s]; ok {
			return id
		}
		if id, ok := mergeable[s]; ok {
			return id
		}
		return e.unk
	}
	for i, p := range m.pieces {
		e.final[i] = pieceToID(p.text)
	}
	for _, u := range users {
		e.userID[u] = pieceToID(u)
	}
	e.user = newPrefixSet(users)
	e.buildMerges(m, mergeable)
	joins := map[int32]bool{}
	for key := range e.merges {
		joins[int32(key>>32)], joins[int32(uint32(key))] = true, true
	}
	for c, id := range e.asciiSym {
		e.alone[c] = !joins[id]
	}
	return e, nil
}

// buildMerges fills the merge table: every way of cutting a mergeable piece
// in two symbols is a rule that makes the piece, ranked by its score.
func (e *spEncoder) buildMerges(m *spModel, mergeable map[string]int32) {
	var scores []float32
	for _, id := range mergeable {
		scores = append(scores, m.pieces[id].score)
	}
	sort.Slice(scores, func(i, j int) bool { return scores[i] > scores[j] })
	rank := map[float32]int32{}
	for _, s := range scores {
		if _, ok := rank[s]; !ok {
			rank[s] = int32(len(rank))
		}
	}
	for i := range e.asciiSym {
		e.asciiSym[i] = noMerge
	}
	setChar := func(r rune, id int32) {
		if r < utf8.RuneSelf {
			e.asciiSym[r] = id
		} else {
			e.charSym[r] = id
		}
	}
	for text, id := range mergeable {
		if r, n := utf8.DecodeRuneInString(text); n == len(text) {
			setChar(r, id)
		}
	}
	next := e.symPieces
	symbolOf := func(s string) (int32, bool) {
		if id, ok := mergeable[s]; ok {
			return id, true
		}
		r, n := utf8.DecodeRuneInString(s)
		if n != len(s) {
			return 0, false // neither a piece nor one character: never a symbol
		}
		if id := e.charID(r); id != noMerge {
			return id, true
		}
		setChar(r, next)
		next++
		return next - 1, true
	}
	ws := e.space()
	e.splitAtWS = true
	for text, id := range mergeable {
		if strings.Contains(strings.TrimLeft(text, ws), ws) {
			e.splitAtWS = false
		}
		if len(text) > maxMergedPiece {
			continue
		}
		r := rank[m.pieces[id].score]
		for k := range text {
			if k == 0 {
				continue
			}
			a, okA := symbolOf(text[:k])
			b, okB := symbolOf(text[k:])
			if okA && okB {
				e.merges[pairKey(a, b)] = mergeRule{rank: r, id: id}
			}
		}
	}
}

func (e *spEncoder) charID(r rune) int32 {
	if r < utf8.RuneSelf {
		return e.asciiSym[r]
	}
	if id, ok := e.charSym[r]; ok {
		return id
	}
	return noMerge
}

// space is what a space becomes in normalized text.
func (e *spEncoder) space() string {
	if e.escapeWS {
		return metaspace
	}
	return " "
}

// spWork is the scratch space of one encode call.
type spWork struct {
	norm  []byte
	orig  []int32
	base  int // the input offset of the text being encoded
	m     merger
	toks  []token
	prevU bool // the last token emitted was <unk>
}

func (e *spEncoder) encode(out *encoding, text string) { e.encodeAt(out, text, 0, e.addDummyPrefix) }

// encodeAt encodes text, which starts at byte base of the input, with or
// without the dummy prefix (a GGUF vocabulary adds it to each stretch of
// text after a special token, not only at the start).
func (e *spEncoder) encodeAt(out *encoding, text string, base int, dummyPrefix bool) {
	w := &spWork{base: base}
	w.norm, w.orig = e.normalize(w.norm, w.orig, text, out.wantOffsets, dummyPrefix)
	norm := w.norm
	ws := e.space()
	runStart, prevWS := 0, false
	for i := 0; i < len(norm); {
		if n := longestPrefix(e.user, norm[i:]); n > 0 {
			e.encodeRun(out, w, runStart, i)
			e.emit(out, w, e.userID[string(norm[i:i+n])], i)
			i += n
			runStart, prevWS = i, false
			continue
		}
		if c := norm[i]; c < utf8.RuneSelf && e.alone[c] {
			e.encodeRun(out, w, runStart, i)
			e.encodeRun(out, w, i, i+1)
			i++
			runStart, prevWS = i, false
			continue
		}
		isWS := hasPrefixBytes(norm[i:], ws)
		if isWS && !prevWS && e.splitAtWS && i > runStart {
			e.encodeRun(out, w, runStart, i)
			runStart = i
		}
		prevWS = isWS
		_, n := utf8.DecodeRune(norm[i:])
		i += n
	}
	e.encodeRun(out, w, runStart, len(norm))
}

// encodeRun encodes norm[start:end], a stretch that no merge crosses.
func (e *spEncoder) encodeRun(out *encoding, w *spWork, start, end int) {
	if start == end {
		return
	}
	run := w.norm[start:end]
	toks, ok := e.cache.appendTo(w.toks[:0], run)
	if !ok {
		toks = e.tokenize(w, toks, run)
		e.cache.put(run, toks)
	}
	w.toks = toks
	for _, t := range toks {
		e.emit(out, w, t.id, start+int(t.off))
	}
}

// emit adds a token that starts at norm[pos]. Consecutive unknown tokens
// become one, as SentencePiece does.
func (e *spEncoder) emit(out *encoding, w *spWork, id int32, pos int) {
	isUnk := id == e.unk
	if isUnk && w.prevU {
		return
	}
	w.prevU = isUnk
	off := 0
	if out.wantOffsets {
		off = w.base + int(w.orig[pos])
	}
	out.add(int(id), off)
}

// tokenize merges the characters of run and appends its tokens to dst.
func (e *spEncoder) tokenize(w *spWork, dst []token, run []byte) []token {
	w.m.reset()
	for i := 0; i < len(run); {
		var id int32
		n := 1
		if c := run[i]; c < utf8.RuneSelf {
			id = e.asciiSym[c]
		} else {
			var r rune
			r, n = utf8.DecodeRune(run[i:])
			id = e.charID(r)
		}
		w.m.add(id, i, i+n)
		i += n
	}
	w.m.run(e.merges)
	w.m.each(func(id int32, start, end int) {
		if id >= 0 && id < e.symPieces {
			dst = append(dst, token{id: e.final[id], off: int32(start)})
			return
		}
		// A character that is not a mergeable piece.
		piece := run[start:end]
		if rid, ok := e.reserved[string(piece)]; ok && rid != e.unk {
			dst = append(dst, token{id: rid, off: int32(start)})
			return
		}
		if !e.byteFallback {
			dst = append(dst, token{id: e.unk, off: int32(start)})
			return
		}
		for k, b := range piece {
			dst = append(dst, token{id: e.bytePiece[b], off: int32(start + k)})
		}
	})
	return dst
}

func hasPrefixBytes(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// parseBytePiece reads a byte piece "<0xXX>" (upper-case hex, as
// SentencePiece writes them).
func parseBytePiece(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	hi, ok1 := upperHex(s[3])
	lo, ok2 := upperHex(s[4])
	return hi<<4 | lo, ok1 && ok2
}

func upperHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
