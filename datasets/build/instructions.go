package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/golora/golora/datasets/internal/dictd"
)

// row is one Alpaca-format example.
type row struct {
	Instruction string `json:"instruction"`
	Input       string `json:"input"`
	Output      string `json:"output"`
}

// A dictionary's instruction wordings; the one a term gets is chosen by a
// hash of the term, so it does not change when other entries come or go.
var (
	devilWordings = [...]string{
		"Define the word %s.",
		"What does %s mean?",
		"Give the definition of %s.",
		"What is the meaning of the word %s?",
	}
	jargonWordings = [...]string{
		`Define the hacker term "%s".`,
		`What does "%s" mean in hacker jargon?`,
		`Explain the jargon term "%s".`,
		`What is meant by "%s"?`,
	}
)

// evalShare is one in how many rows of the combined set go to evaluation;
// splitSalt makes the split's hash differ from the wording's.
const (
	evalShare = 10
	splitSalt = "golora-dictionary-split-1"
)

// dictionary is one of the two sources of definitions. clean turns an entry
// (its index headword and text) into a definition, or says why it drops it.
type dictionary struct {
	pkg, index, dict string
	wordings         []string
	clean            func(headword, entry string) (definition, string)
	out              string
}

var dictionaries = [...]dictionary{
	{pkg: pkgDevil, index: devilIndex, dict: devilDict, wordings: devilWordings[:], clean: devilDefinition, out: "devil.jsonl"},
	{pkg: pkgJargon, index: jargonIndex, dict: jargonDict, wordings: jargonWordings[:], clean: func(_, entry string) (definition, string) {
		return jargonDefinition(entry)
	}, out: "jargon.jsonl"},
}

// buildDictionaries writes one instruction set per dictionary and a combined
// train/eval split; dropped reports, per dictionary, why entries were left
// out.
func buildDictionaries(in inputs) (outs []output, dropped map[string]map[string]int, err error) {
	dropped = make(map[string]map[string]int)
	var all []row
	for _, d := range dictionaries {
		dict, err := dictd.Open(in.path(d.pkg, d.index), in.path(d.pkg, d.dict))
		if err != nil {
			return nil, nil, err
		}
		dropped[d.pkg] = make(map[string]int)
		var rows []row
		for _, e := range dict.Definitions() {
			def, why := d.clean(e.Headword, dict.Definition(e))
			if why != "" {
				dropped[d.pkg][why]++
				continue
			}
			rows = append(rows, row{Instruction: instruction(d.wordings, def.Term), Output: def.Text})
		}
		out, err := jsonlOutput(d.out, rows)
		if err != nil {
			return nil, nil, err
		}
		outs = append(outs, out)
		all = append(all, rows...)
	}
	train, eval := splitRows(all)
	for _, part := range []struct {
		path string
		rows []row
	}{{"dictionary-train.jsonl", train}, {"dictionary-eval.jsonl", eval}} {
		out, err := jsonlOutput(part.path, part.rows)
		if err != nil {
			return nil, nil, err
		}
		outs = append(outs, out)
	}
	return outs, dropped, nil
}

// instruction words the question for term with one of wordings; a term
// that ends in a full stop ("LL.D.") ends a sentence too.
func instruction(wordings []string, term string) string {
	s := fmt.Sprintf(wordings[hash32(term)%uint32(len(wordings))], term)
	if strings.HasSuffix(s, "..") {
		s = s[:len(s)-1]
	}
	return s
}

// splitRows puts about one row in evalShare into eval, by a salted hash of
// its instruction, and orders both parts by that hash so that the two
// dictionaries are mixed.
func splitRows(rows []row) (train, eval []row) {
	keyed := make([]struct {
		h uint32
		r row
	}, len(rows))
	for i, r := range rows {
		keyed[i].h, keyed[i].r = hash32(splitSalt+r.Instruction), r
	}
	sort.SliceStable(keyed, func(i, j int) bool { return keyed[i].h < keyed[j].h })
	for _, k := range keyed {
		if k.h%evalShare == 0 {
			eval = append(eval, k.r)
		} else {
			train = append(train, k.r)
		}
	}
	return train, eval
}

// hash32 is the first four bytes of the sha256 of s (FNV's low bits are too
// regular for a modulus of 10).
func hash32(s string) uint32 {
	sum := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint32(sum[:])
}

// jsonlOutput encodes rows one JSON object a line, without HTML escaping.
func jsonlOutput(path string, rows []row) (output, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return output{}, fmt.Errorf("%s: %w", path, err)
		}
	}
	return output{Path: path, Data: buf.Bytes(), Rows: len(rows)}, nil
}
