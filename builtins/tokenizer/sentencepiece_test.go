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

// TestSentencePieceSave converts LLaMA's model to tokenizer.json and checks
// the result against Hugging Face tokenizers' reading of transformers'
// conversion of the same model.
func TestSentencePieceSave(t *testing.T) {
	tok, err := Load(fetched(t, "llama/tokenizer.model"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	saved, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if saved.BOS() != tok.BOS() || saved.EOS() != tok.EOS() {
		t.Errorf("saved BOS, EOS = %d, %d, want %d, %d", saved.BOS(), saved.EOS(), tok.BOS(), tok.EOS())
	}
	checkReference(t, saved, loadReference(t, "llama-hf"))
}
