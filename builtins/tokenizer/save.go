package tokenizer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/golora/golora/internal/atomicfile"
)

// Save writes the tokenizer as a tokenizer.json to path, or into path if it
// is a folder, atomically (a temporary file renamed into place). A
// tokenizer loaded from tokenizer.json is written as it was read; one from
// TrainBPE as it was made; a SentencePiece model is converted as Hugging
// Face's converter does (LlamaTokenizerFast), which is refused for models
// whose normalizer tokenizer.json cannot express (extra whitespace
// removal): copy their tokenizer.model instead.
func (t *Tokenizer) Save(path string) error {
	data, err := t.json()
	if err != nil {
		return fmt.Errorf("tokenizer %s: Save: %w; copy the .model file instead", t.source, err)
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		path = filepath.Join(path, "tokenizer.json")
	}
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("tokenizer: Save: %w", err)
	}
	return nil
}

// trainedJSON writes the tokenizer.json of a TrainBPE tokenizer: byte-level
// BPE as GPT-2's, with <s>, </s>, <pad> as special added tokens and <s> put
// in front of a sequence by the post-processor.
func trainedJSON(vocab []string, merges [][2]string) []byte {
	var b bytes.Buffer
	str := func(s string) {
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		b.Truncate(b.Len() - 1) // the newline Encode adds
	}
	b.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
	for i, special := range []string{TrainedBOS, TrainedEOS, TrainedPAD} {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n    {\"id\": %d, \"content\": ", i)
		str(special)
		b.WriteString(", \"single_word\": false, \"lstrip\": false, \"rstrip\": false, \"normalized\": false, \"special\": true}")
	}
	b.WriteString(`
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "post_processor": {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}
  },
  "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
  "model": {
    "type": "BPE",
    "dropout": null,
    "unk_token": null,
    "continuing_subword_prefix": null,
    "end_of_word_suffix": null,
    "fuse_unk": false,
    "byte_fallback": false,
    "ignore_merges": false,
    "vocab": {`)
	for i, v := range vocab {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n      ")
		str(v)
		fmt.Fprintf(&b, ": %d", i)
	}
	b.WriteString("\n    },\n    \"merges\": [")
	for i, m := range merges {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n      [")
		str(m[0])
		b.WriteString(", ")
		str(m[1])
		b.WriteString("]")
	}
	b.WriteString("\n    ]\n  }\n}\n")
	return b.Bytes()
}
