package tokenizer

import "testing"

func TestSentencePieceLLaMA(t *testing.T) {
	tok, err := Load(fetched(t, "llama/tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	checkReference(t, tok, loadReference(t, "llama"))
}
