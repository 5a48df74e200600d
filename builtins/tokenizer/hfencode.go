package tokenizer

// hfEncoder encodes as a Hugging Face tokenizer.json says: find the added
// tokens that match the raw text, normalize the text between them, find
// the added tokens that match normalized text, pre-tokenize what is left
// into words, and run the model on each word.
type hfEncoder struct {
	raw         *addedMatcher // added tokens with normalized false
	normalized  *addedMatcher // added tokens with normalized true, their content normalized
	normalizers []normalizer
	pre         preTokenizer
	model       *hfModel
}

// preTokenizer cuts normalized text into words and hands each to the model.
type preTokenizer interface {
	preTokenize(n normText, word func(normText))
}

func (e *hfEncoder) encode(out *encoding, text string) {
	w := &hfWork{}
	tb := []byte(text)
	w.spans = e.raw.split(w.spans[:0], tb)
	word := func(n normText) { e.model.encodeWord(out, w, n) }
	for _, sp := range w.spans {
		if sp.id >= 0 {
			out.add(int(sp.id), sp.start)
			continue
		}
		n := normText{s: tb[sp.start:sp.end], base: sp.start}
		for _, nz := range e.normalizers {
			nz.normalize(&n)
		}
		w.subs = e.normalized.split(w.subs[:0], n.s)
		for _, sub := range w.subs {
			if sub.id >= 0 {
				out.add(int(sub.id), n.at(sub.start))
				continue
			}
			piece := n.slice(sub.start, sub.end)
			if e.pre == nil {
				word(piece)
			} else {
				e.pre.preTokenize(piece, word)
			}
		}
	}
}

// byteLevelPre is the ByteLevel pre-tokenizer: an optional leading space,
// then GPT-2's split pattern. (Mapping bytes to their byte-level characters
// is left to the model, which looks bytes up directly.)
type byteLevelPre struct {
	addPrefixSpace bool
	useRegex       bool
}

func (p byteLevelPre) preTokenize(n normText, word func(normText)) {
	if p.addPrefixSpace && len(n.s) > 0 && n.s[0] != ' ' {
		n.prepend(" ")
	}
	if !p.useRegex {
		word(n)
		return
	}
	splitGPT2(n.s, func(start, end int) { word(n.slice(start, end)) })
}

// Metaspace prepend schemes.
const (
	prependAlways = "always"
	prependFirst  = "first"
	prependNever  = "never"
)

// metaspacePre is the Metaspace pre-tokenizer: spaces become the
// replacement ("▁"), which is put in front as the scheme says, and words,
// when split is set, start at each replacement.
type metaspacePre struct {
	replacement string
	scheme      string
	split       bool
}

func (p metaspacePre) preTokenize(n normText, word func(normText)) {
	n.replace(" ", p.replacement)
	if !hasPrefixBytes(n.s, p.replacement) &&
		(p.scheme == prependAlways || (p.scheme == prependFirst && n.at(0) == 0)) {
		n.prepend(p.replacement)
	}
	if !p.split {
		word(n)
		return
	}
	start := 0
	for i := 1; i < len(n.s); i++ {
		if hasPrefixBytes(n.s[i:], p.replacement) {
			word(n.slice(start, i))
			start = i
		}
	}
	word(n.slice(start, len(n.s)))
}

// sequencePre is the Sequence pre-tokenizer: each pre-tokenizer cuts the
// words of the one before.
type sequencePre []preTokenizer

func (s sequencePre) preTokenize(n normText, word func(normText)) {
	if len(s) == 0 {
		word(n)
		return
	}
	rest := s[1:]
	s[0].preTokenize(n, func(w normText) { rest.preTokenize(w, word) })
}

// digitsPre is the Digits pre-tokenizer: number characters (\p{N}) alone,
// or runs of them, cut from the text around them.
type digitsPre struct{ split splitFunc }

func (p digitsPre) preTokenize(n normText, word func(normText)) {
	p.split(n.s, func(start, end int) { word(n.slice(start, end)) })
}
