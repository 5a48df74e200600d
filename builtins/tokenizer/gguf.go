package tokenizer

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// GGUFVocab is the tokenizer that a GGUF file (llama.cpp's format) keeps in
// its metadata, a field for each key. A model loader fills it from the file
// and hands it to FromGGUF. Where the file lacks a key, an id is -1 and a
// flag nil, and llama.cpp's default for the vocabulary's kind applies.
type GGUFVocab struct {
	Model  string    // tokenizer.ggml.model: "gpt2" or "llama"
	Pre    string    // tokenizer.ggml.pre ("" when absent: "default")
	Tokens []string  // tokenizer.ggml.tokens
	Types  []int32   // tokenizer.ggml.token_type (nil when absent: all normal)
	Scores []float32 // tokenizer.ggml.scores (nil when absent: all 0)
	Merges []string  // tokenizer.ggml.merges, "a b" each

	BOS int // tokenizer.ggml.bos_token_id
	EOS int // tokenizer.ggml.eos_token_id
	UNK int // tokenizer.ggml.unknown_token_id
	PAD int // tokenizer.ggml.padding_token_id

	AddBOS         *bool // tokenizer.ggml.add_bos_token
	AddEOS         *bool // tokenizer.ggml.add_eos_token
	AddSpacePrefix *bool // tokenizer.ggml.add_space_prefix

	// Name is general.name, by which llama.cpp changes the rules of a few
	// models' special tokens (Phi-3's); FromGGUF refuses those.
	Name string
}

// The token types of tokenizer.ggml.token_type, with llama.cpp's numbers.
const (
	ggufNormal      = 1
	ggufUnknown     = 2
	ggufControl     = 3
	ggufUserDefined = 4
	ggufUnused      = 5
	ggufByte        = 6
)

// tokenAttr is the set of attributes llama.cpp gives a token: one for its
// type, and those its loader adds by the token's text.
type tokenAttr uint8

const (
	attrNormal tokenAttr = 1 << iota
	attrUnknown
	attrControl
	attrUserDefined
	attrUnused
	attrByte
)

// special reports whether llama.cpp cuts the token out of the text before
// tokenizing the rest (parse_special: control, user-defined and unknown
// tokens).
func (a tokenAttr) special() bool { return a&(attrControl|attrUserDefined|attrUnknown) != 0 }

// ggufPre is what a tokenizer.ggml.pre value means for a "gpt2"
// vocabulary in llama.cpp: the split passes, in turn, and the flags it sets.
type ggufPre struct {
	name         string
	passes       []splitFunc
	cleanSpaces  bool // detokenize drops the space before ?!., and around lone apostrophes
	ignoreMerges bool // a word that is a token is that token
	addBOS       bool // the default of add_bos_token
}

// ggufPres are the supported pre types under each name llama.cpp gives
// them.
var ggufPres = func() map[string]*ggufPre {
	gpt2 := &ggufPre{name: "gpt-2", passes: []splitFunc{splitGPT2}, cleanSpaces: true}
	defaultPre := &ggufPre{name: "default", cleanSpaces: true, passes: []splitFunc{
		isolate(isDefaultPunct, true), splitGPT2, splitDigits(false), splitASCIIDigitTriples}}
	smollm := &ggufPre{name: "smollm", passes: []splitFunc{splitDigits(true), splitGPT2}}
	llama3 := &ggufPre{name: "llama-bpe", passes: []splitFunc{splitLlama3(3)}, cleanSpaces: true, ignoreMerges: true, addBOS: true}
	qwen2 := &ggufPre{name: "qwen2", passes: []splitFunc{splitLlama3(1)}}
	pres := map[string]*ggufPre{"": defaultPre, "default": defaultPre, "gpt-2": gpt2, "phi-2": gpt2, "smollm": smollm}
	for _, n := range []string{"llama-bpe", "llama3", "llama-v3", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano"} {
		pres[n] = llama3
	}
	for _, n := range []string{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2"} {
		pres[n] = qwen2
	}
	return pres
}()

// supportedPres lists the supported tokenizer.ggml.pre values, for errors.
func supportedPres() string {
	var names []string
	for n := range ggufPres {
		if n != "" {
			names = append(names, fmt.Sprintf("%q", n))
		}
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// FromGGUF builds the tokenizer of a GGUF file from its metadata, to
// tokenize as llama.cpp does with parse_special (control and user-defined
// tokens written in the text become their ids). path names the file in
// errors. A vocabulary that llama.cpp would tokenize in a way this package
// does not implement (another tokenizer.ggml.model, an unknown pre type) is
// refused with an error that says which key and what is supported.
func FromGGUF(path string, v GGUFVocab) (t *Tokenizer, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = nil, fmt.Errorf("tokenizer %s: internal error: %v", path, r)
		}
	}()
	t, err = fromGGUF(path, v)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	return t, nil
}

// ggufVocab is a GGUFVocab checked, with llama.cpp's defaults filled in.
type ggufVocab struct {
	GGUFVocab
	attrs                          []tokenAttr
	index                          map[string]int
	addBOS, addEOS, addSpacePrefix bool
	pre                            *ggufPre // "gpt2" only
}

func fromGGUF(path string, v GGUFVocab) (*Tokenizer, error) {
	g, err := checkGGUF(v)
	if err != nil {
		return nil, err
	}
	t := &Tokenizer{
		source: path,
		pieces: g.Tokens,
		index:  g.index,
		bos:    g.BOS, eos: g.EOS, pad: g.PAD, unk: g.UNK,
		addBOS: g.addBOS, addEOS: g.addEOS,
	}
	enc := &ggufEncoder{special: newSpecialSplitter(g.Tokens, g.attrs)}
	dec := &ggufDecoder{pieces: make([]string, len(g.Tokens)), lstrip: g.addSpacePrefix}
	switch g.Model {
	case "llama":
		if enc.sp, err = g.sentencePiece(); err != nil {
			return nil, err
		}
		enc.spacePrefix = g.addSpacePrefix
		t.kind = "GGUF SentencePiece BPE with byte fallback"
	case "gpt2":
		if enc.bpe, err = g.byteLevelBPE(); err != nil {
			return nil, err
		}
		enc.pre = g.pre
		dec.cleanSpaces = g.pre.cleanSpaces
		t.kind = fmt.Sprintf("GGUF byte-level BPE (pre %s)", g.pre.name)
	}
	for id, text := range g.Tokens {
		dec.pieces[id] = g.piece(text, g.attrs[id])
	}
	t.enc, t.dec = enc, dec
	t.json = func() ([]byte, error) { return g.tokenizerJSON() }
	return t, nil
}

// checkGGUF checks v as llama.cpp's loader does, refusing what it would
// refuse and what this package does not implement, and fills in llama.cpp's
// defaults.
func checkGGUF(v GGUFVocab) (*ggufVocab, error) {
	g := &ggufVocab{GGUFVocab: v}
	n := len(v.Tokens)
	if n == 0 {
		return nil, errors.New("tokenizer.ggml.tokens is missing or empty")
	}
	g.Tokens = slices.Clone(v.Tokens)
	g.index = make(map[string]int, n)
	for i, tok := range g.Tokens {
		if tok == "" {
			tok = fmt.Sprintf("[EMPTY_%d]", i) // llama.cpp's name for an empty token
			g.Tokens[i] = tok
		}
		if j, dup := g.index[tok]; dup {
			return nil, fmt.Errorf("tokenizer.ggml.tokens[%d] %q is also token %d: llama.cpp refuses a vocabulary with a token twice", i, tok, j)
		}
		g.index[tok] = i
	}
	switch {
	case v.Types != nil && len(v.Types) != n:
		return nil, fmt.Errorf("tokenizer.ggml.token_type has %d entries for %d tokens: want one a token", len(v.Types), n)
	case v.Scores != nil && len(v.Scores) != n:
		return nil, fmt.Errorf("tokenizer.ggml.scores has %d entries for %d tokens: want one a token", len(v.Scores), n)
	}
	g.attrs = make([]tokenAttr, n)
	for i := range g.attrs {
		typ := int32(ggufNormal)
		if v.Types != nil {
			typ = v.Types[i]
		}
		if typ < ggufNormal || typ > ggufByte {
			return nil, fmt.Errorf("tokenizer.ggml.token_type[%d] is %d (token %q): want 1 (normal) to 6 (byte)", i, typ, g.Tokens[i])
		}
		g.attrs[i] = 1 << (typ - 1)
		if typ == ggufByte {
			if _, ok := parseBytePiece(g.Tokens[i]); !ok {
				return nil, fmt.Errorf("tokenizer.ggml.tokens[%d] %q has type 6 (byte) but is not of the form <0xXX>", i, g.Tokens[i])
			}
		}
	}
	if err := g.checkName(); err != nil {
		return nil, err
	}
	for _, id := range []struct {
		key string
		id  int
	}{{"bos_token_id", v.BOS}, {"eos_token_id", v.EOS}, {"unknown_token_id", v.UNK}, {"padding_token_id", v.PAD}} {
		if id.id < -1 || id.id >= n {
			return nil, fmt.Errorf("tokenizer.ggml.%s is %d: outside the %d tokens (-1 for none)", id.key, id.id, n)
		}
	}
	flag := func(f *bool, def bool) bool {
		if f != nil {
			return *f
		}
		return def
	}
	switch v.Model {
	case "llama":
		// llama.cpp's defaults for a SentencePiece vocabulary.
		def := func(id *int, d int) {
			if *id < 0 && d < n {
				*id = d
			}
		}
		def(&g.BOS, 1)
		def(&g.EOS, 2)
		def(&g.UNK, 0)
		g.addBOS = flag(v.AddBOS, true)
		g.addSpacePrefix = flag(v.AddSpacePrefix, true)
	case "gpt2":
		pre, ok := ggufPres[v.Pre]
		if !ok {
			return nil, fmt.Errorf("tokenizer.ggml.pre is %q: not supported (supported: %s); load the model's tokenizer.json with tokenizer.Load instead", v.Pre, supportedPres())
		}
		g.pre = pre
		g.addBOS = flag(v.AddBOS, pre.addBOS)
		g.addSpacePrefix = flag(v.AddSpacePrefix, false)
		if len(v.Merges) == 0 {
			return nil, errors.New(`tokenizer.ggml.merges is missing or empty: a "gpt2" vocabulary needs its merges`)
		}
	default:
		return nil, fmt.Errorf(`tokenizer.ggml.model is %q: not supported (supported: "gpt2", byte-level BPE; "llama", SentencePiece-style BPE); load the model's tokenizer.json or tokenizer.model with tokenizer.Load instead`, v.Model)
	}
	g.addEOS = flag(v.AddEOS, false)
	if g.addBOS && g.BOS < 0 {
		return nil, errors.New("tokenizer.ggml.add_bos_token is true but there is no tokenizer.ggml.bos_token_id (llama.cpp would take token 11)")
	}
	if g.addEOS && g.EOS < 0 {
		return nil, errors.New("tokenizer.ggml.add_eos_token is true but there is no tokenizer.ggml.eos_token_id")
	}
	g.markSpecialByText()
	return g, nil
}

// checkName refuses the models for which llama.cpp changes how special
// tokens take the whitespace around them, by general.name.
func (g *ggufVocab) checkName() error {
	name := strings.ToLower(g.Name)
	for _, s := range []string{"phi-3", "phi3", "modern-bert"} {
		if strings.Contains(name, s) {
			return fmt.Errorf("general.name is %q: llama.cpp strips the whitespace around the special tokens of %s models, which is not supported", g.Name, s)
		}
	}
	return nil
}

// Tokens that llama.cpp's loader makes control tokens by their text: the
// end-of-generation and fill-in-the-middle tokens it looks for.
var (
	endOfGeneration = []string{
		"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
		"<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
		"<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
		"<\uff5cend\u2581of\u2581sentence\uff5c>", "[e~[",
	}
	fillInTheMiddle = []string{
		"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uff5cfim\u2581begin\uff5c>", "<PRE>", "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>",
		"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uff5cfim\u2581hole\uff5c>", "<SUF>", "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>",
		"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uff5cfim\u2581end\uff5c>", "<MID>", "\u2581<MID>", "<|code_middle|>", "<|middle|>",
		"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]",
		"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>",
		"<|file_sep|>",
	}
)

// markSpecialByText changes the attributes of tokens as llama.cpp's loader
// does by their text, whatever their type says: end-of-generation and
// fill-in-the-middle tokens become control tokens; gpt-oss's channel
// tokens, and <|end|> beside <|return|> or <|flush|> and <|call|>, become
// user-defined; </s> beside <|tool_response>, or with <|plamo:eos|> as EOS,
// becomes normal. (Where a vocabulary has several tokens for one
// fill-in-the-middle role, llama.cpp marks only one of them, whichever its
// hash map yields first; all are marked here.)
func (g *ggufVocab) markSpecialByText() {
	has := func(tok string) bool { _, ok := g.index[tok]; return ok }
	for _, tok := range append(slices.Clone(endOfGeneration), fillInTheMiddle...) {
		if id, ok := g.index[tok]; ok {
			g.attrs[id] |= attrControl
		}
	}
	for _, tok := range []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"} {
		if id, ok := g.index[tok]; ok {
			g.attrs[id] = attrUserDefined
		}
	}
	call := has("<|call|>") || has("<|calls|>")
	if id, ok := g.index["<|end|>"]; ok && call && (has("<|return|>") || has("<|flush|>")) {
		g.attrs[id] = attrUserDefined
	}
	if id, ok := g.index["</s>"]; ok && (has("<|tool_response>") || (g.EOS >= 0 && g.Tokens[g.EOS] == "<|plamo:eos|>")) {
		g.attrs[id] = attrNormal
	}
}

// sentencePiece builds the encoder of a "llama" vocabulary: SentencePiece's
// BPE, in which, as in llama.cpp, adjacent symbols merge into whatever
// token their text makes, the highest score first, and a character outside
// the vocabulary becomes its byte tokens.
func (g *ggufVocab) sentencePiece() (*spEncoder, error) {
	for b := range 256 {
		name := bytePieceName(byte(b))
		if id, ok := g.index[name]; !ok || g.attrs[id]&attrByte == 0 {
			return nil, fmt.Errorf(`tokenizer.ggml.tokens has no token %s of type 6 (byte): a "llama" vocabulary needs all 256 byte tokens, which llama.cpp falls back to for text outside the vocabulary`, name)
		}
	}
	m := &spModel{modelType: spBPE, byteFallback: true, escapeWS: true, addDummyPrefix: g.addSpacePrefix}
	m.pieces = make([]spPiece, len(g.Tokens))
	for i, text := range g.Tokens {
		p := spPiece{text: text, typ: pieceNormal}
		if g.Scores != nil {
			p.score = g.Scores[i]
		}
		switch {
		case g.attrs[i]&attrByte != 0:
			p.typ = pieceByte
		case g.attrs[i]&attrUnknown != 0:
			p.typ = pieceUnknown
		}
		m.pieces[i] = p
	}
	enc, err := newSPEncoder(m)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.ggml.tokens: %w", err)
	}
	return enc, nil
}

// byteLevelBPE builds the model of a "gpt2" vocabulary: byte-level BPE
// whose merges, in the order of tokenizer.ggml.merges, join tokens.
func (g *ggufVocab) byteLevelBPE() (*hfModel, error) {
	m := &hfModel{
		vocab:        make(map[string]int32, len(g.Tokens)),
		merges:       make(mergeTable, len(g.Merges)),
		byteLevel:    true,
		unk:          -1,
		ignoreMerges: g.pre.ignoreMerges,
		// SmolLM2's vocabulary lacks 21 of the 256 byte-level tokens.
		missingBytesApart: true,
	}
	for id, tok := range g.Tokens {
		m.vocab[tok] = int32(id)
	}
	for i, merge := range g.Merges {
		k := -1
		if len(merge) > 1 {
			k = strings.IndexByte(merge[1:], ' ')
		}
		if k < 0 {
			return nil, fmt.Errorf("tokenizer.ggml.merges[%d] %q: want two tokens separated by a space", i, merge)
		}
		a, b := merge[:k+1], merge[k+2:]
		var ids [3]int32
		for j, tok := range []string{a, b, a + b} {
			id, ok := m.vocab[tok]
			if !ok {
				return nil, fmt.Errorf("tokenizer.ggml.merges[%d] %q: %q is not a token", i, merge, tok)
			}
			ids[j] = id
		}
		key := pairKey(ids[0], ids[1])
		if _, dup := m.merges[key]; !dup { // llama.cpp keeps the first
			m.merges[key] = mergeRule{rank: int32(i), id: ids[2]}
		}
	}
	m.finish()
	return m, nil
}
