package tokenizer

// encoding collects the output of an encoder: token ids and, when asked
// for, the byte offset in the input text where each token starts.
type encoding struct {
	ids         []int
	offsets     []int
	wantOffsets bool
}

func (e *encoding) add(id, offset int) {
	e.ids = append(e.ids, id)
	if e.wantOffsets {
		e.offsets = append(e.offsets, offset)
	}
}

// encoder turns text into tokens; each tokenizer format has its own.
type encoder interface {
	encode(out *encoding, text string)
}

// decoder turns token ids back into text, skipping special tokens.
type decoder interface {
	decode(ids []int) string
}
