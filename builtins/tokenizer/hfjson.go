package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// hfFile is the part of a tokenizer.json that encoding and decoding use.
type hfFile struct {
	AddedTokens   []*addedToken   `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

// hfBPE is tokenizer.json's model object for a BPE model.
type hfBPE struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   map[string]int  `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
}

// component is any tokenizer.json component: its type, and the rest.
type component struct {
	Type string `json:"type"`
	raw  json.RawMessage
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// decodeComponent reads a component, or returns ok false for null.
func decodeComponent(raw json.RawMessage, field string) (c component, ok bool, err error) {
	if isNull(raw) {
		return c, false, nil
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, false, fmt.Errorf("%s: %w", field, err)
	}
	c.raw = raw
	return c, true, nil
}

// decodeInto reads the fields of a component into v.
func (c component) decodeInto(field string, v any) error {
	if err := json.Unmarshal(c.raw, v); err != nil {
		return fmt.Errorf("%s (%s): %w", field, c.Type, err)
	}
	return nil
}

// unsupported is the error for a component type this package lacks.
func unsupported(field, typ, supported string) error {
	return fmt.Errorf("%s: type %q is not supported (supported: %s)", field, typ, supported)
}

// parseJSON builds a tokenizer from a tokenizer.json. path names the file
// in errors and locates tokenizer_config.json beside it ("" for none).
func parseJSON(path string, data []byte) (*Tokenizer, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not valid tokenizer.json: %w", err)
	}
	model, byteLevel, err := parseModel(f)
	if err != nil {
		return nil, err
	}
	enc := &hfEncoder{model: model}
	if enc.normalizers, err = parseNormalizer(f.Normalizer, "normalizer"); err != nil {
		return nil, err
	}
	if enc.pre, err = parsePreTokenizer(f.PreTokenizer, "pre_tokenizer"); err != nil {
		return nil, err
	}
	if metaspace, ok := enc.pre.(metaspacePre); ok {
		model.splitAt = metaspace.replacement
	}
	for _, n := range enc.normalizers {
		if r, ok := n.(replaceNormalizer); ok && r.old == " " {
			model.splitAt = r.with
		}
	}
	if model.splitAt != "" && (byteLevel || !safeSplit(model.vocab, model.splitAt)) {
		model.splitAt = ""
	}
	steps, err := parseDecoder(f.Decoder, "decoder")
	if err != nil {
		return nil, err
	}

	t := &Tokenizer{source: path, unk: int(model.unk), enc: enc}
	t.json = func() ([]byte, error) { return data, nil }
	size := 0
	for _, id := range model.vocab {
		size = max(size, int(id)+1)
	}
	var raw, normalized []*addedToken
	for i, a := range f.AddedTokens {
		if a.ID < 0 || a.Content == "" {
			return nil, fmt.Errorf("added_tokens[%d]: id %d, content %q: want an id >= 0 and content", i, a.ID, a.Content)
		}
		size = max(size, a.ID+1)
		if a.Normalized {
			n := normText{s: []byte(a.Content)}
			for _, nz := range enc.normalizers {
				nz.normalize(&n)
			}
			copy := *a
			copy.Content = string(n.s)
			normalized = append(normalized, &copy)
		} else {
			raw = append(raw, a)
		}
	}
	enc.raw, enc.normalized = newAddedMatcher(raw), newAddedMatcher(normalized)

	t.pieces = make([]string, size)
	t.index = make(map[string]int, size)
	for tok, id := range model.vocab {
		t.pieces[id] = tok
		t.index[tok] = int(id)
	}
	special := map[string]bool{}
	for _, a := range f.AddedTokens {
		t.pieces[a.ID] = a.Content
		t.index[a.Content] = a.ID
		if a.Special {
			special[a.Content] = true
		}
	}
	dec := &hfDecoder{pieces: t.pieces, special: make([]bool, size), steps: steps}
	for id, p := range t.pieces {
		dec.special[id] = special[p]
	}
	t.dec = dec

	switch {
	case byteLevel:
		t.kind = "byte-level BPE"
	case model.byteFallback:
		t.kind = "BPE with byte fallback"
	default:
		t.kind = "BPE"
	}
	t.bos, t.eos, t.pad = -1, -1, -1
	t.findSpecialTokens(path, f.PostProcessor)
	t.addBOS = t.bos >= 0
	return t, nil
}

// parseModel reads the BPE model. byteLevel reports that the vocabulary is
// byte-level, which the ByteLevel pre-tokenizer implies.
func parseModel(f hfFile) (m *hfModel, byteLevel bool, err error) {
	if isNull(f.Model) {
		return nil, false, errors.New("model: missing")
	}
	var b hfBPE
	if err := json.Unmarshal(f.Model, &b); err != nil {
		return nil, false, fmt.Errorf("model: %w", err)
	}
	if b.Type == "" && b.Merges != nil {
		b.Type = "BPE"
	}
	switch {
	case b.Type != "BPE":
		return nil, false, fmt.Errorf("model.type is %q: only BPE models are supported (not Unigram, WordPiece, WordLevel)", b.Type)
	case b.Dropout != nil && *b.Dropout != 0:
		return nil, false, fmt.Errorf("model.dropout is %v: BPE dropout is not supported", *b.Dropout)
	case b.ContinuingSubwordPrefix != nil && *b.ContinuingSubwordPrefix != "":
		return nil, false, errors.New("model.continuing_subword_prefix is set: not supported")
	case b.EndOfWordSuffix != nil && *b.EndOfWordSuffix != "":
		return nil, false, errors.New("model.end_of_word_suffix is set: not supported")
	case len(b.Vocab) == 0:
		return nil, false, errors.New("model.vocab is empty")
	}
	byteLevel = hasByteLevel(f.PreTokenizer)
	m = &hfModel{
		vocab:        make(map[string]int32, len(b.Vocab)),
		merges:       mergeTable{},
		byteLevel:    byteLevel,
		byteFallback: b.ByteFallback,
		unk:          -1,
		fuseUnk:      b.FuseUnk,
		ignoreMerges: b.IgnoreMerges,
	}
	for tok, id := range b.Vocab {
		if id < 0 || id > 1<<30 {
			return nil, false, fmt.Errorf("model.vocab: token %q has id %d", tok, id)
		}
		m.vocab[tok] = int32(id)
	}
	if b.UnkToken != nil {
		id, ok := m.vocab[*b.UnkToken]
		if !ok {
			return nil, false, fmt.Errorf("model.unk_token %q is not in model.vocab", *b.UnkToken)
		}
		m.unk = id
	}
	pairs, err := parseMerges(b.Merges)
	if err != nil {
		return nil, false, err
	}
	for i, p := range pairs {
		a, okA := m.vocab[p[0]]
		c, okC := m.vocab[p[1]]
		merged, okM := m.vocab[p[0]+p[1]]
		if !okA || !okC || !okM {
			return nil, false, fmt.Errorf("model.merges[%d] %q: a token of the merge is not in model.vocab", i, p)
		}
		m.merges[pairKey(a, c)] = mergeRule{rank: int32(i), id: merged}
	}
	m.finish()
	return m, byteLevel, nil
}

// parseMerges reads model.merges in either form: "a b" strings, or
// ["a", "b"] pairs.
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	var pairs [][2]string
	if err := json.Unmarshal(raw, &pairs); err == nil {
		return pairs, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return nil, fmt.Errorf("model.merges: want a list of \"a b\" strings or [a, b] pairs: %w", err)
	}
	pairs = make([][2]string, len(lines))
	for i, l := range lines {
		a, b, ok := strings.Cut(l, " ")
		if !ok || strings.Contains(b, " ") {
			return nil, fmt.Errorf("model.merges[%d] %q: want two tokens separated by one space", i, l)
		}
		pairs[i] = [2]string{a, b}
	}
	return pairs, nil
}

// parseSequence reads a Sequence component: parse on each element of its
// list under key, results joined.
func parseSequence[T any](c component, field, key string, parse func(json.RawMessage, string) ([]T, error)) ([]T, error) {
	var s map[string]json.RawMessage
	if err := c.decodeInto(field, &s); err != nil {
		return nil, err
	}
	var list []json.RawMessage
	if err := json.Unmarshal(s[key], &list); err != nil {
		return nil, fmt.Errorf("%s.%s: %w", field, key, err)
	}
	var all []T
	for i, r := range list {
		one, err := parse(r, fmt.Sprintf("%s.%s[%d]", field, key, i))
		if err != nil {
			return nil, err
		}
		all = append(all, one...)
	}
	return all, nil
}

// parseNormalizer reads the normalizer: null, Sequence, Prepend, or Replace
// of a String.
func parseNormalizer(raw json.RawMessage, field string) ([]normalizer, error) {
	c, ok, err := decodeComponent(raw, field)
	if err != nil || !ok {
		return nil, err
	}
	switch c.Type {
	case "Sequence":
		return parseSequence(c, field, "normalizers", parseNormalizer)
	case "Prepend":
		var p struct {
			Prepend string `json:"prepend"`
		}
		if err := c.decodeInto(field, &p); err != nil {
			return nil, err
		}
		return []normalizer{prependNormalizer{p.Prepend}}, nil
	case "Replace":
		old, with, err := parseReplace(c, field)
		if err != nil {
			return nil, err
		}
		return []normalizer{replaceNormalizer{old, with}}, nil
	}
	return nil, unsupported(field, c.Type, "Sequence, Prepend, Replace of a String")
}

// parseReplace reads a Replace normalizer or decoder.
func parseReplace(c component, field string) (old, with string, err error) {
	var r struct {
		Pattern struct {
			String *string `json:"String"`
			Regex  *string `json:"Regex"`
		} `json:"pattern"`
		Content string `json:"content"`
	}
	if err := c.decodeInto(field, &r); err != nil {
		return "", "", err
	}
	if r.Pattern.String == nil || *r.Pattern.String == "" {
		return "", "", fmt.Errorf("%s.pattern: only a non-empty String pattern is supported, not a Regex", field)
	}
	return *r.Pattern.String, r.Content, nil
}

// parsePreTokenizer reads the pre-tokenizer: null, ByteLevel, Metaspace,
// Digits, or a Sequence of them.
func parsePreTokenizer(raw json.RawMessage, field string) (preTokenizer, error) {
	c, ok, err := decodeComponent(raw, field)
	if err != nil || !ok {
		return nil, err
	}
	switch c.Type {
	case "Sequence":
		var s struct {
			Pretokenizers []json.RawMessage `json:"pretokenizers"`
		}
		if err := c.decodeInto(field, &s); err != nil {
			return nil, err
		}
		var seq sequencePre
		for i, r := range s.Pretokenizers {
			p, err := parsePreTokenizer(r, fmt.Sprintf("%s.pretokenizers[%d]", field, i))
			if err != nil {
				return nil, err
			}
			if p != nil {
				seq = append(seq, p)
			}
		}
		if len(seq) == 1 {
			return seq[0], nil
		}
		return seq, nil
	case "ByteLevel":
		p := struct {
			AddPrefixSpace *bool `json:"add_prefix_space"`
			UseRegex       *bool `json:"use_regex"`
		}{}
		if err := c.decodeInto(field, &p); err != nil {
			return nil, err
		}
		return byteLevelPre{addPrefixSpace: p.AddPrefixSpace == nil || *p.AddPrefixSpace, useRegex: p.UseRegex == nil || *p.UseRegex}, nil
	case "Metaspace":
		return parseMetaspace(c, field)
	case "Digits":
		var d struct {
			IndividualDigits bool `json:"individual_digits"`
		}
		if err := c.decodeInto(field, &d); err != nil {
			return nil, err
		}
		return digitsPre{splitDigits(d.IndividualDigits)}, nil
	}
	return nil, unsupported(field, c.Type, "ByteLevel (GPT-2's split pattern), Metaspace, Digits, a Sequence of these")
}

// hasByteLevel reports whether the pre-tokenizer is ByteLevel or a
// Sequence with a ByteLevel in it: the vocabulary is then byte-level.
func hasByteLevel(raw json.RawMessage) bool {
	c, ok, err := decodeComponent(raw, "pre_tokenizer")
	if err != nil || !ok {
		return false
	}
	if c.Type == "ByteLevel" {
		return true
	}
	var s struct {
		Pretokenizers []json.RawMessage `json:"pretokenizers"`
	}
	if c.Type != "Sequence" || json.Unmarshal(c.raw, &s) != nil {
		return false
	}
	return slices.ContainsFunc(s.Pretokenizers, hasByteLevel)
}

// parseMetaspace reads a Metaspace pre-tokenizer, in its current form
// (prepend_scheme, split) or its old one (add_prefix_space).
func parseMetaspace(c component, field string) (metaspacePre, error) {
	var p struct {
		Replacement    string  `json:"replacement"`
		PrependScheme  *string `json:"prepend_scheme"`
		Split          *bool   `json:"split"`
		AddPrefixSpace *bool   `json:"add_prefix_space"`
	}
	if err := c.decodeInto(field, &p); err != nil {
		return metaspacePre{}, err
	}
	if utf8.RuneCountInString(p.Replacement) != 1 {
		return metaspacePre{}, fmt.Errorf("%s.replacement %q: want one character", field, p.Replacement)
	}
	m := metaspacePre{replacement: p.Replacement, scheme: prependAlways, split: p.Split == nil || *p.Split}
	if p.PrependScheme != nil {
		m.scheme = *p.PrependScheme
	}
	switch m.scheme {
	case prependAlways, prependFirst, prependNever:
	default:
		return metaspacePre{}, fmt.Errorf("%s.prepend_scheme %q: want always, first or never", field, m.scheme)
	}
	if p.AddPrefixSpace != nil && !*p.AddPrefixSpace {
		if m.scheme != prependNever && p.PrependScheme != nil {
			return metaspacePre{}, fmt.Errorf("%s: add_prefix_space false contradicts prepend_scheme %q", field, m.scheme)
		}
		m.scheme = prependNever
	}
	return m, nil
}

// parseDecoder reads the decoder into steps; nil steps for null.
func parseDecoder(raw json.RawMessage, field string) ([]decodeStep, error) {
	c, ok, err := decodeComponent(raw, field)
	if err != nil || !ok {
		return nil, err
	}
	switch c.Type {
	case "Sequence":
		steps, err := parseSequence(c, field, "decoders", parseDecoder)
		if steps == nil && err == nil {
			steps = []decodeStep{} // a decoder that does nothing, not none
		}
		return steps, err
	case "ByteLevel":
		return []decodeStep{byteLevelDecode{}}, nil
	case "ByteFallback":
		return []decodeStep{byteFallbackDecode{}}, nil
	case "Fuse":
		return []decodeStep{fuseDecode{}}, nil
	case "Replace":
		old, with, err := parseReplace(c, field)
		if err != nil {
			return nil, err
		}
		return []decodeStep{replaceDecode{old, with}}, nil
	case "Strip":
		var s struct {
			Content string `json:"content"`
			Start   int    `json:"start"`
			Stop    int    `json:"stop"`
		}
		if err := c.decodeInto(field, &s); err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(s.Content) != 1 || s.Start < 0 || s.Stop < 0 {
			return nil, fmt.Errorf("%s: Strip wants one content character and counts >= 0", field)
		}
		r, _ := utf8.DecodeRuneInString(s.Content)
		return []decodeStep{stripDecode{content: r, start: s.Start, stop: s.Stop}}, nil
	case "Metaspace":
		m, err := parseMetaspace(c, field)
		if err != nil {
			return nil, err
		}
		r, _ := utf8.DecodeRuneInString(m.replacement)
		return []decodeStep{metaspaceDecode{replacement: r, scheme: m.scheme}}, nil
	}
	return nil, unsupported(field, c.Type, "Sequence, ByteLevel, ByteFallback, Fuse, Replace of a String, Strip, Metaspace")
}

// findSpecialTokens sets BOS, EOS and PAD from, in this order:
// tokenizer_config.json beside the file (bos_token, eos_token, pad_token),
// the post-processor (the special tokens it puts around a sequence), and
// the usual names (<s>, </s>, <pad>, <|endoftext|>, ...).
func (t *Tokenizer) findSpecialTokens(path string, post json.RawMessage) {
	set := func(dst *int, name string) {
		if id, ok := t.index[name]; ok && *dst < 0 && name != "" {
			*dst = id
		}
	}
	if path != "" {
		if data, err := os.ReadFile(filepath.Join(filepath.Dir(path), "tokenizer_config.json")); err == nil {
			var cfg struct {
				BOS, EOS, PAD json.RawMessage
			}
			if json.Unmarshal(data, &cfg) == nil {
				set(&t.bos, configToken(cfg.BOS))
				set(&t.eos, configToken(cfg.EOS))
				set(&t.pad, configToken(cfg.PAD))
			}
		}
	}
	first, last := postProcessorTokens(post)
	set(&t.bos, first)
	set(&t.eos, last)
	for _, name := range []string{"<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>", "<|endoftext|>"} {
		set(&t.bos, name)
	}
	for _, name := range []string{"</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"} {
		set(&t.eos, name)
	}
	for _, name := range []string{"<pad>", "<|pad|>", "[PAD]", "<|padding|>"} {
		set(&t.pad, name)
	}
}

// configToken reads a token of tokenizer_config.json: a string, or an
// object with its content.
func configToken(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Content
	}
	return ""
}

// postProcessorTokens returns the special tokens a post-processor puts
// before and after a single sequence.
func postProcessorTokens(raw json.RawMessage) (first, last string) {
	c, ok, err := decodeComponent(raw, "post_processor")
	if err != nil || !ok {
		return "", ""
	}
	switch c.Type {
	case "TemplateProcessing":
		var p struct {
			Single []struct {
				SpecialToken *struct {
					ID string `json:"id"`
				} `json:"SpecialToken"`
			} `json:"single"`
		}
		if json.Unmarshal(c.raw, &p) != nil || len(p.Single) == 0 {
			return "", ""
		}
		if s := p.Single[0].SpecialToken; s != nil {
			first = s.ID
		}
		if s := p.Single[len(p.Single)-1].SpecialToken; s != nil {
			last = s.ID
		}
	case "RobertaProcessing", "BertProcessing":
		var p struct {
			Sep []any `json:"sep"`
			Cls []any `json:"cls"`
		}
		if json.Unmarshal(c.raw, &p) == nil && len(p.Sep) > 0 && len(p.Cls) > 0 {
			first, _ = p.Cls[0].(string)
			last, _ = p.Sep[0].(string)
		}
	case "Sequence":
		var s struct {
			Processors []json.RawMessage `json:"processors"`
		}
		if json.Unmarshal(c.raw, &s) == nil {
			for _, p := range s.Processors {
				if f, l := postProcessorTokens(p); f != "" || l != "" {
					return f, l
				}
			}
		}
	}
	return first, last
}
