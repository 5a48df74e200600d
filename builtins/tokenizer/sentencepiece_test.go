package tokenizer

import "testing"

func TestSentencePieceLLaMA(t *testing.T) {
	tok, err := Load(fetched(t, "llama/tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	checkReference(t, tok, loadReference(t, "llama"))
}

// TestSentencePieceOptions covers what LLaMA's model leaves off: <unk>
// without byte fallback, extra whitespace removal, no dummy prefix,
// user-defined and control symbols, a custom unknown surface.
func TestSentencePieceOptions(t *testing.T) {
	for _, name := range []string{"small", "bytes"} {
		t.Run(name, func(t *testing.T) {
			tok, err := Load("testdata/sp/" + name + ".model")
			if err != nil {
				t.Fatal(err)
			}
			checkReference(t, tok, loadReference(t, "sp-"+name))
		})
	}
}
