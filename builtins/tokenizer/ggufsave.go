package tokenizer

import (
	"encoding/json"
	"fmt"
	"sort"
)

// tokenizerJSON writes a GGUF vocabulary as the tokenizer.json that
// tokenizes the same, for those that tokenizer.json can say and this
// package reads: "gpt2" with pre "gpt-2" (the ByteLevel pre-tokenizer) or
// "smollm" (a Sequence of Digits and ByteLevel), and "llama" (the Prepend
// and Replace normalizer of LLaMA 2's tokenizer.json, with merges in the
// order of the scores). Special and user-defined tokens become added tokens
// matched in the raw text; BOS, put in front by the post-processor when
// the vocabulary adds it. (Where special tokens overlap in a text, the
// added tokens' leftmost-longest match may cut it differently from
// llama.cpp's longest-first one.)
func (g *ggufVocab) tokenizerJSON() ([]byte, error) {
	vocab := make(map[string]int, len(g.Tokens))
	added := []addedToken{}
	for id, text := range g.Tokens {
		vocab[text] = id
		if a := g.attrs[id]; a.special() {
			added = append(added, addedToken{ID: id, Content: text, Special: a&(attrControl|attrUnknown) != 0})
		}
	}
	model := map[string]any{
		"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
		"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "ignore_merges": false, "vocab": vocab,
	}
	file := map[string]any{
		"version": "1.0", "truncation": nil, "padding": nil, "added_tokens": added,
		"normalizer": nil, "pre_tokenizer": nil, "post_processor": g.postProcessor(), "model": model,
	}
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}
	switch {
	case g.Model == "llama":
		merges, err := g.scoreMerges()
		if err != nil {
			return nil, err
		}
		model["merges"], model["byte_fallback"] = merges, true
		var normalizers []any
		decoders := []any{
			map[string]any{"type": "Replace", "pattern": map[string]string{"String": metaspace}, "content": " "},
			map[string]any{"type": "ByteFallback"},
			map[string]any{"type": "Fuse"},
		}
		if g.addSpacePrefix {
			normalizers = append(normalizers, map[string]any{"type": "Prepend", "prepend": metaspace})
			decoders = append(decoders, map[string]any{"type": "Strip", "content": " ", "start": 1, "stop": 0})
		}
		normalizers = append(normalizers, map[string]any{"type": "Replace", "pattern": map[string]string{"String": " "}, "content": metaspace})
		file["normalizer"] = map[string]any{"type": "Sequence", "normalizers": normalizers}
		file["decoder"] = map[string]any{"type": "Sequence", "decoders": decoders}
	case g.pre.name == "gpt-2":
		model["merges"] = g.Merges
		file["pre_tokenizer"], file["decoder"] = byteLevel, byteLevel
	case g.pre.name == "smollm":
		model["merges"] = g.Merges
		file["pre_tokenizer"] = map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Digits", "individual_digits": true}, byteLevel}}
		file["decoder"] = byteLevel
	default:
		return nil, fmt.Errorf("pre type %q has no tokenizer.json form that this package reads (gpt-2 and smollm have); keep the GGUF file", g.pre.name)
	}
	return json.MarshalIndent(file, "", " ")
}

// postProcessor is the TemplateProcessing that puts BOS in front and EOS
// at the end as the vocabulary adds them, or nil.
func (g *ggufVocab) postProcessor() any {
	if !g.addBOS && !g.addEOS {
		return nil
	}
	var single, pair []any
	specials := map[string]any{}
	special := func(id, typeID int) map[string]any {
		name := g.Tokens[id]
		specials[name] = map[string]any{"id": name, "ids": []int{id}, "tokens": []string{name}}
		return map[string]any{"SpecialToken": map[string]any{"id": name, "type_id": typeID}}
	}
	for typeID, seq := range []string{"A", "B"} {
		if g.addBOS {
			pair = append(pair, special(g.BOS, typeID))
		}
		pair = append(pair, map[string]any{"Sequence": map[string]any{"id": seq, "type_id": typeID}})
		if g.addEOS {
			pair = append(pair, special(g.EOS, typeID))
		}
		if seq == "A" {
			single = append([]any{}, pair...)
		}
	}
	return map[string]any{"type": "TemplateProcessing", "single": single, "pair": pair, "special_tokens": specials}
}

// scoreMerges lists, for a "llama" vocabulary, every way of cutting a
// token into two tokens, ordered as llama.cpp merges them: the higher score
// of the whole first, then the lower id.
func (g *ggufVocab) scoreMerges() ([][2]string, error) {
	type merge struct {
		pair  [2]string
		score float32
		id    int
	}
	var merges []merge
	for id, text := range g.Tokens {
		if g.attrs[id]&attrByte != 0 || len(text) > maxMergedPiece {
			continue
		}
		score := float32(0)
		if g.Scores != nil {
			score = g.Scores[id]
		}
		for k := 1; k < len(text); k++ {
			_, okL := g.index[text[:k]]
			_, okR := g.index[text[k:]]
			if okL && okR {
				merges = append(merges, merge{[2]string{text[:k], text[k:]}, score, id})
			}
		}
	}
	sort.SliceStable(merges, func(i, j int) bool {
		if merges[i].score != merges[j].score {
			return merges[i].score > merges[j].score
		}
		return merges[i].id < merges[j].id
	})
	out := make([][2]string, len(merges))
	for i, m := range merges {
		out[i] = m.pair
	}
	return out, nil
}
