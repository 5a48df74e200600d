package tokenizer

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/trained/tokenizer.json with TrainBPE")

// trainedVocab is the vocabulary size of testdata/trained/tokenizer.json.
const trainedVocab = 1000

func trainCorpus(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := TrainBPE(context.Background(), corpus(t), trainedVocab)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTrainBPE(t *testing.T) {
	tok := trainCorpus(t)
	if tok.VocabSize() != trainedVocab {
		t.Errorf("VocabSize() = %d, want %d", tok.VocabSize(), trainedVocab)
	}
	if tok.BOS() != 0 || tok.EOS() != 1 || tok.PAD() != 2 {
		t.Errorf("BOS, EOS, PAD = %d, %d, %d, want 0, 1, 2", tok.BOS(), tok.EOS(), tok.PAD())
	}
	for _, text := range corpus(t) {
		if strings.Contains(text, TrainedBOS) || strings.Contains(text, TrainedEOS) || strings.Contains(text, TrainedPAD) {
			continue // special tokens do not decode
		}
		ids := tok.Encode(text, true)
		if ids[0] != 0 {
			t.Fatalf("Encode(%q, true) starts with %d, not BOS", text, ids[0])
		}
		if got := tok.Decode(ids); got != text {
			t.Fatalf("Decode(Encode(%q)) = %q", text, got)
		}
	}
	all := strings.Join(corpus(t), "\n")
	if n := len(tok.Encode(all, false)); n*2 > len(all) {
		t.Errorf("%d tokens for the %d bytes it was trained on: merges barely compress", n, len(all))
	}
	if _, err := TrainBPE(context.Background(), nil, 100); err == nil {
		t.Error("TrainBPE with vocabSize 100: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := TrainBPE(ctx, corpus(t), trainedVocab); !errors.Is(err, context.Canceled) {
		t.Errorf("TrainBPE with a cancelled context: error %v, want context.Canceled", err)
	}
}

// TestTrainedFile checks the committed TrainBPE output against Hugging
// Face tokenizers' reading of it (testdata/ref/trained.json). With -update
// it retrains the file first; then regenerate the reference with
// testdata/reference.py.
func TestTrainedFile(t *testing.T) {
	path := filepath.Join("testdata", "trained", "tokenizer.json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := trainCorpus(t).Save(path); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	checkReference(t, tok, loadReference(t, "trained"))
}

// TestTrainBPEPython trains afresh, saves, and has Hugging Face tokenizers
// (through $GOLORA_PYTHON) load the file and encode the corpus.
func TestTrainBPEPython(t *testing.T) {
	python := os.Getenv("GOLORA_PYTHON")
	if python == "" {
		if testing.Short() {
			t.Skip("GOLORA_PYTHON is not set")
		}
		t.Fatal("GOLORA_PYTHON is not set: point it to a Python with the tokenizers package (or run with -short to skip this test)")
	}
	tok := trainCorpus(t)
	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, filepath.Join("testdata", "encode.py"), filepath.Join(dir, "tokenizer.json"), filepath.Join("testdata", "corpus.jsonl"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s testdata/encode.py: %v", python, err)
	}
	var ref struct {
		IDs            [][]int  `json:"ids"`
		IDsWithSpecial [][]int  `json:"ids_with_special"`
		Decoded        []string `json:"decoded"`
	}
	if err := json.Unmarshal(out, &ref); err != nil {
		t.Fatal(err)
	}
	texts := corpus(t)
	if len(ref.IDs) != len(texts) {
		t.Fatalf("python encoded %d texts, want %d", len(ref.IDs), len(texts))
	}
	bad := 0
	for i, text := range texts {
		got, gotBOS := tok.Encode(text, false), tok.Encode(text, true)
		if !slices.Equal(got, ref.IDs[i]) || !slices.Equal(gotBOS, ref.IDsWithSpecial[i]) || tok.Decode(got) != ref.Decoded[i] {
			if bad++; bad <= 5 {
				t.Errorf("text %d %q: got %v / %v / %q, tokenizers %v / %v / %q", i, text, got, gotBOS, tok.Decode(got), ref.IDs[i], ref.IDsWithSpecial[i], ref.Decoded[i])
			}
		}
	}
}
