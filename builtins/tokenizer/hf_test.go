package tokenizer

import "testing"

func TestHuggingFaceFiles(t *testing.T) {
	for _, name := range []string{"llama-hf", "llama-hf-legacy", "llama-hf-split", "gpt2", "gpt2-added", "gpt2-digits", "gpt2-digit-runs", "llama-hf-digits"} {
		t.Run(name, func(t *testing.T) {
			tok, err := Load(fetched(t, name+"/tokenizer.json"))
			if err != nil {
				t.Fatal(err)
			}
			checkReference(t, tok, loadReference(t, name))
		})
	}
}
