package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// hfModel is a tokenizer.json BPE model: it turns one pre-tokenized word
// into tokens as Hugging Face tokenizers' BPE does. Characters (bytes, for
// a byte-level vocabulary) become tokens, or byte-fallback tokens, or the
// unknown token (consecutive ones fused with fuse_unk), or nothing; then
// merges apply by rank.
type hfModel struct {
	vocab        map[string]int32
	merges       mergeTable
	asciiID      [utf8.RuneSelf]int32
	charID       map[rune]int32
	byteLevel    bool       // the vocabulary spells bytes as byteLevelChars
	byteID       [256]int32 // byte level: each byte's token; else its <0xXX> token; -1 if none
	byteFallback bool
	unk          int32
	fuseUnk      bool
	ignoreMerges bool
	// missingBytes says what becomes of a byte of a byte-level vocabulary
	// that has no token: dropped, and the bytes around it merge as if it
	// were not there (Hugging Face's BPE); or, when set, dropped but
	// keeping the bytes around it apart, as llama.cpp does.
	missingBytesApart bool
	// splitAt, when set, is a string that no token has after other text
	// ("▁" in SentencePiece-style vocabularies): words are cut in front of
	// it, and the parts tokenized and cached on their own.
	splitAt string
	// alone marks the ASCII characters whose token no merge involves
	// ("\n" in LLaMA's vocabulary): when words are cut at splitAt they
	// are also cut before and after these.
	alone [utf8.RuneSelf]bool
	cache *wordCache
}

// finish fills the lookup tables from the vocabulary.
func (m *hfModel) finish() {
	m.charID = map[rune]int32{}
	for i := range m.asciiID {
		m.asciiID[i] = -1
	}
	for i := range m.byteID {
		m.byteID[i] = -1
	}
	for tok, id := range m.vocab {
		if r, n := utf8.DecodeRuneInString(tok); n == len(tok) && (n > 1 || r != utf8.RuneError) {
			if r < utf8.RuneSelf {
				m.asciiID[r] = id
			} else {
				m.charID[r] = id
			}
		}
	}
	for b := range 256 {
		key := string(byteLevelChars[b])
		if !m.byteLevel {
			key = bytePieceName(byte(b))
		}
		if id, ok := m.vocab[key]; ok {
			m.byteID[b] = id
		}
	}
	joins := map[int32]bool{}
	for key := range m.merges {
		joins[int32(key>>32)], joins[int32(uint32(key))] = true, true
	}
	for c, id := range m.asciiID {
		if id < 0 && m.byteFallback {
			id = m.byteID[c]
		}
		m.alone[c] = id >= 0 && !joins[id]
	}
	m.cache = newWordCache()
}

// bytePieceName is the name of a byte-fallback token, "<0x0A>".
func bytePieceName(b byte) string {
	const hex = "0123456789ABCDEF"
	return string([]byte{'<', '0', 'x', hex[b>>4], hex[b&15], '>'})
}

// safeSplit reports whether no token of the vocabulary has s after other
// text, so that words can be cut in front of s.
func safeSplit(vocab map[string]int32, s string) bool {
	for tok := range vocab {
		if strings.Contains(strings.TrimLeft(tok, s), s) {
			return false
		}
	}
	return true
}

// hfWork is the scratch space of one encode call.
type hfWork struct {
	m     merger
	toks  []token
	key   []byte
	spans []span
	subs  []span
}

// encodeWord encodes one pre-tokenized word.
func (m *hfModel) encodeWord(out *encoding, w *hfWork, word normText) {
	if len(word.s) == 0 {
		return
	}
	prevUnk := false
	emit := func(part normText) {
		toks, ok := m.cache.appendTo(w.toks[:0], part.s)
		if !ok {
			toks = m.tokenize(w, toks, part.s)
			m.cache.put(part.s, toks)
		}
		w.toks = toks
		for _, t := range toks {
			isUnk := t.id == m.unk
			if isUnk && prevUnk && m.fuseUnk {
				continue
			}
			prevUnk = isUnk
			out.add(int(t.id), part.at(int(t.off)))
		}
	}
	if m.splitAt == "" {
		emit(word)
		return
	}
	start, prev := 0, false
	for i := 0; i < len(word.s); {
		if c := word.s[i]; c < utf8.RuneSelf && m.alone[c] {
			if i > start {
				emit(word.slice(start, i))
			}
			emit(word.slice(i, i+1))
			i++
			start, prev = i, false
			continue
		}
		at := hasPrefixBytes(word.s[i:], m.splitAt)
		if at && !prev && i > start {
			emit(word.slice(start, i))
			start = i
		}
		prev = at
		_, n := utf8.DecodeRune(word.s[i:])
		i += n
	}
	if start < len(word.s) {
		emit(word.slice(start, len(word.s)))
	}
}

// tokenize appends the tokens of word to dst.
func (m *hfModel) tokenize(w *hfWork, dst []token, word []byte) []token {
	if m.ignoreMerges {
		key := word
		if m.byteLevel {
			w.key = appendByteLevel(w.key[:0], word)
			key = w.key
		}
		if id, ok := m.vocab[string(key)]; ok {
			return append(dst, token{id: id})
		}
	}
	w.m.reset()
	unkStart, unkEnd := -1, -1 // a pending unknown token
	flushUnk := func() {
		if unkStart >= 0 {
			w.m.add(m.unk, unkStart, unkEnd)
			unkStart = -1
		}
	}
	unknown := func(start, end int) {
		switch {
		case m.unk < 0:
		case unkStart >= 0 && m.fuseUnk:
			unkEnd = end
		default:
			flushUnk()
			unkStart, unkEnd = start, end
		}
	}
	for i := 0; i < len(word); {
		if m.byteLevel {
			switch id := m.byteID[word[i]]; {
			case id >= 0:
				flushUnk()
				w.m.add(id, i, i+1)
			case m.missingBytesApart:
				w.m.add(-1, i, i+1) // merges with nothing, and is not emitted
			default:
				unknown(i, i+1)
			}
			i++
			continue
		}
		id, n := int32(-1), 1
		if c := word[i]; c < utf8.RuneSelf {
			id = m.asciiID[c]
		} else {
			var r rune
			r, n = utf8.DecodeRune(word[i:])
			if got, ok := m.charID[r]; ok {
				id = got
			}
		}
		switch {
		case id >= 0:
			flushUnk()
			w.m.add(id, i, i+n)
		case m.byteFallback && m.hasBytes(word[i:i+n]):
			for k := i; k < i+n; k++ {
				w.m.add(m.byteID[word[k]], k, k+1)
			}
		default:
			unknown(i, i+n)
		}
		i += n
	}
	flushUnk()
	w.m.run(m.merges)
	w.m.each(func(id int32, start, _ int) {
		if id >= 0 {
			dst = append(dst, token{id: id, off: int32(start)})
		}
	})
	return dst
}

func (m *hfModel) hasBytes(b []byte) bool {
	for _, c := range b {
		if m.byteID[c] < 0 {
			return false
		}
	}
	return true
}
