package llama

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// textExpected is the text-level part of testdata/expected/llama3.json.
type textExpected struct {
	Generations []struct {
		Prompt       string
		PromptIDs    []int `json:"prompt_ids"`
		MaxNewTokens int   `json:"max_new_tokens"`
		OutputIDs    []int `json:"output_ids"`
		Text         string
	}
	PerplexityText string `json:"perplexity_text"`
	PerplexityIDs  []int  `json:"perplexity_ids"`
	Perplexity     []struct {
		MaxLength int `json:"max_length"`
		Stride    int
		Tokens    int
		Windows   int
		PPL       float64
	}
}

func textModel(t *testing.T) (*Model, textExpected) {
	m, _ := testModel(t, "llama3")
	raw, err := os.ReadFile("testdata/expected/llama3.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Text textExpected }
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	if m.Tokenizer() == nil {
		t.Fatal("the llama3 test model's tokenizer.json did not load")
	}
	return m, e.Text
}

// captureStdout runs f and returns what it wrote to standard output.
func captureStdout(t *testing.T, f func()) string {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan string)
	go func() {
		data, _ := io.ReadAll(r)
		done <- string(data)
	}()
	defer func() { os.Stdout = saved }()
	f()
	w.Close()
	return <-done
}

func TestTextGenerationMatchesTransformers(t *testing.T) {
	m, e := textModel(t)
	for _, g := range e.Generations {
		if ids := m.Tokenizer().Encode(g.Prompt, true); !slices.Equal(ids, g.PromptIDs) {
			t.Fatalf("prompt %q encodes as %v, transformers %v", g.Prompt, ids, g.PromptIDs)
		}
		var text string
		var err error
		streamed := captureStdout(t, func() {
			text, err = m.Generate(context.Background(), g.Prompt, GenOptions{MaxNewTokens: g.MaxNewTokens})
		})
		if err != nil {
			t.Fatal(err)
		}
		if text != g.Text {
			t.Errorf("prompt %q:\n got %q\nwant %q", g.Prompt, text, g.Text)
		}
		if streamed != g.Text+"\n" {
			t.Errorf("prompt %q: streamed %q, returned %q", g.Prompt, streamed, text)
		}
	}
}

func TestStopStrings(t *testing.T) {
	m, e := textModel(t)
	g := e.Generations[1]
	// A stop string taken from the middle of the greedy text: generation
	// must end there, with the stop string left out and never shown.
	runes := []rune(g.Text)
	stop := string(runes[len(runes)/2 : len(runes)/2+2])
	want := g.Text[:strings.Index(g.Text, stop)]
	var text string
	streamed := captureStdout(t, func() {
		var err error
		if text, err = m.Generate(context.Background(), g.Prompt, GenOptions{MaxNewTokens: g.MaxNewTokens, Stop: []string{"never matches", stop}}); err != nil {
			t.Fatal(err)
		}
	})
	if text != want || streamed != want+"\n" {
		t.Errorf("stop %q: got %q, streamed %q; want %q", stop, text, streamed, want)
	}
	quiet := captureStdout(t, func() {
		m.Generate(context.Background(), g.Prompt, GenOptions{MaxNewTokens: 3, Quiet: true})
	})
	if quiet != "" {
		t.Errorf("Quiet generation wrote %q", quiet)
	}
}

func TestTextPerplexityMatchesTransformers(t *testing.T) {
	m, e := textModel(t)
	path := filepath.Join(t.TempDir(), "zen.txt")
	if err := os.WriteFile(path, []byte(e.PerplexityText), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range e.Perplexity {
		for _, source := range []string{e.PerplexityText, path} {
			got, err := m.Perplexity(context.Background(), source, want.MaxLength, want.Stride)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.PPL-want.PPL) > 1e-4*want.PPL || got.Scored != want.Tokens || got.Windows != want.Windows {
				t.Errorf("max_length %d, stride %d: %v; transformers PPL %v over %d tokens in %d windows",
					want.MaxLength, want.Stride, got, want.PPL, want.Tokens, want.Windows)
			}
		}
	}
}

func TestTextNeedsATokenizer(t *testing.T) {
	m, _ := testModel(t, "gqa")
	if _, err := m.Generate(context.Background(), "hi", GenOptions{Quiet: true}); err == nil || !strings.Contains(err.Error(), "tokenizer") {
		t.Errorf("Generate without a tokenizer: error %v", err)
	}
}
