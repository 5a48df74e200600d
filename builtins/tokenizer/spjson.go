package tokenizer

import (
	"encoding/json"
	"errors"
)

// sentencePieceJSON converts a SentencePiece BPE model into the
// tokenizer.json that Hugging Face's converter (transformers'
// LlamaTokenizerFast) makes of it: the same vocabulary; merges for every
// way of cutting a piece into two pieces, in the order of the pieces' ids
// (not their scores: LLaMA's "▁▁" has the lowest score but merges first);
// control and unknown pieces as special added tokens, user-defined ones as
// added tokens; the Metaspace pre-tokenizer; the byte-fallback decoder;
// BOS put in front by the post-processor.
func sentencePieceJSON(m *spModel, bos int) ([]byte, error) {
	switch {
	case m.removeExtraWS:
		return nil, errors.New("normalizer_spec.remove_extra_whitespaces has no tokenizer.json equivalent")
	case !m.escapeWS:
		return nil, errors.New("normalizer_spec.escape_whitespaces false has no tokenizer.json equivalent")
	}
	vocab := make(map[string]int, len(m.pieces))
	added := []addedToken{}
	var unk *string
	for i, p := range m.pieces {
		vocab[p.text] = i
		switch p.typ {
		case pieceUnknown, pieceControl:
			added = append(added, addedToken{ID: i, Content: p.text, Special: true})
			if p.typ == pieceUnknown {
				unk = &m.pieces[i].text
			}
		case pieceUserDefined:
			added = append(added, addedToken{ID: i, Content: p.text})
		}
	}
	merges := [][2]string{}
	for _, p := range m.pieces {
		if len(p.text) > maxMergedPiece {
			continue
		}
		for k := range p.text {
			if k == 0 {
				continue
			}
			_, okL := vocab[p.text[:k]]
			_, okR := vocab[p.text[k:]]
			if okL && okR {
				merges = append(merges, [2]string{p.text[:k], p.text[k:]})
			}
		}
	}

	scheme := prependNever
	decoders := []any{
		map[string]any{"type": "Replace", "pattern": map[string]string{"String": metaspace}, "content": " "},
		map[string]any{"type": "ByteFallback"},
		map[string]any{"type": "Fuse"},
	}
	if m.addDummyPrefix {
		scheme = prependFirst
		decoders = append(decoders, map[string]any{"type": "Strip", "content": " ", "start": 1, "stop": 0})
	}
	var single, pair []any
	specials := map[string]any{}
	for typeID, seq := range []string{"A", "B"} {
		if bos >= 0 {
			name := m.pieces[bos].text
			pair = append(pair, map[string]any{"SpecialToken": map[string]any{"id": name, "type_id": typeID}})
			specials[name] = map[string]any{"id": name, "ids": []int{bos}, "tokens": []string{name}}
		}
		pair = append(pair, map[string]any{"Sequence": map[string]any{"id": seq, "type_id": typeID}})
		if seq == "A" {
			single = append([]any{}, pair...)
		}
	}
	file := map[string]any{
		"version":      "1.0",
		"truncation":   nil,
		"padding":      nil,
		"added_tokens": added,
		"normalizer":   nil,
		"pre_tokenizer": map[string]any{
			"type": "Metaspace", "replacement": metaspace, "prepend_scheme": scheme, "split": false,
		},
		"post_processor": map[string]any{
			"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": specials,
		},
		"decoder": map[string]any{"type": "Sequence", "decoders": decoders},
		"model": map[string]any{
			"type": "BPE", "dropout": nil, "unk_token": unk, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": true, "byte_fallback": m.byteFallback,
			"ignore_merges": false, "vocab": vocab, "merges": merges,
		},
	}
	return json.MarshalIndent(file, "", " ")
}
