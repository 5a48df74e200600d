package llama

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/builtins/tokenizer"
	"github.com/golora/golora/internal/busy"
)

// loadTokenizer loads the tokenizer of a model folder (tokenizer.json or
// tokenizer.model), checking that its ids fit the model's vocabulary. A
// folder without one gives a nil tokenizer and an error that says so.
func loadTokenizer(dir string, vocab int) (*tokenizer.Tokenizer, error) {
	tok, err := tokenizer.Load(dir)
	if err != nil {
		return nil, err
	}
	if tok.VocabSize() > vocab {
		return nil, fmt.Errorf("tokenizer of %s has %d tokens, more than the model's vocab_size %d", dir, tok.VocabSize(), vocab)
	}
	return tok, nil
}

// SetTokenizer makes t the tokenizer of the text-level API (Generate,
// Perplexity), replacing the one Load found in the model folder.
func (m *Model) SetTokenizer(t *tokenizer.Tokenizer) error {
	if t == nil {
		return fmt.Errorf("llama: SetTokenizer(nil): load a tokenizer with tokenizer.Load")
	}
	if t.VocabSize() > m.Config.VocabSize {
		return fmt.Errorf("llama: tokenizer has %d tokens, more than the model's vocab_size %d", t.VocabSize(), m.Config.VocabSize)
	}
	m.tok, m.tokErr = t, nil
	return nil
}

// Tokenizer returns the model's tokenizer, or nil when it has none.
func (m *Model) Tokenizer() *tokenizer.Tokenizer { return m.tok }

// TokenizerError says why the model has no tokenizer, such as the file of
// its folder that did not parse and why; nil when it has one.
func (m *Model) TokenizerError() error {
	if m.tok != nil {
		return nil
	}
	return m.tokErr
}

func (m *Model) tokenizer() (*tokenizer.Tokenizer, error) {
	if m.tok == nil {
		return nil, fmt.Errorf("llama: the model has no tokenizer (%v); load one with tokenizer.Load and call SetTokenizer", m.tokErr)
	}
	return m.tok, nil
}

// Generate continues prompt (encoded with a BOS token first, as LLaMA
// tokenizers do) and returns the new text, without the end-of-sequence token
// and cut before the first stop string. Unless opts.Quiet, the text is
// written to standard output as it comes, followed by a newline. When ctx is
// cancelled it returns the text so far with ctx's error. See GenerateIDs for
// the options.
func (m *Model) Generate(ctx context.Context, prompt string, opts GenOptions) (string, error) {
	defer busy.Enter(ctx)()
	tok, err := m.tokenizer()
	if err != nil {
		return "", err
	}
	var out io.Writer = os.Stdout
	if opts.Quiet {
		out = io.Discard
	}
	s := &stream{tok: tok, eos: m.Config.EOS, stop: opts.Stop, out: out}
	_, err = m.GenerateIDs(ctx, tok.Encode(prompt, true), opts, s.add)
	s.finish()
	return s.text, err
}

// stream decodes generated tokens as they come, watches for stop strings
// and writes the text out.
type stream struct {
	tok     *tokenizer.Tokenizer
	eos     []int
	stop    []string
	out     io.Writer
	ids     []int
	text    string // Decoded so far, cut at a stop string once one appears.
	shown   string // Written to out: a prefix of text.
	stopped bool
}

// add takes a new token and reports whether generation should go on.
func (s *stream) add(id int) bool {
	if !slices.Contains(s.eos, id) {
		s.ids = append(s.ids, id)
	}
	s.text = s.tok.Decode(s.ids)
	for _, stop := range s.stop {
		if i := strings.Index(s.text, stop); stop != "" && i >= 0 {
			s.text, s.stopped = s.text[:i], true
		}
	}
	if s.stopped {
		return false
	}
	s.write(s.text[:s.safeEnd()])
	return true
}

// safeEnd is how much of the text can be shown now: not a trailing
// replacement character (the next token may complete its bytes), nor a
// trailing start of a stop string.
func (s *stream) safeEnd() int {
	end := len(s.text)
	for end > 0 {
		r, size := utf8.DecodeLastRuneInString(s.text[:end])
		if r != utf8.RuneError {
			break
		}
		end -= size
	}
	for _, stop := range s.stop {
		for n := min(len(stop)-1, end); n > 0; n-- {
			if strings.HasSuffix(s.text[:end], stop[:n]) {
				end -= n
				break
			}
		}
	}
	return end
}

// write shows text's part beyond what was shown, if text extends it (a
// decoder may rewrite the end of a text as tokens come).
func (s *stream) write(text string) {
	if len(text) > len(s.shown) && strings.HasPrefix(text, s.shown) {
		io.WriteString(s.out, text[len(s.shown):])
		s.shown = text
	}
}

// finish writes the rest of the text and a newline.
func (s *stream) finish() {
	s.write(s.text)
	if s.shown != "" {
		io.WriteString(s.out, "\n")
	}
}

// Perplexity measures the model's perplexity on a text, or on the contents
// of the file textOrPath names, encoded with a BOS token first; see
// PerplexityIDs for the method, maxLength and stride.
func (m *Model) Perplexity(ctx context.Context, textOrPath string, maxLength, stride int) (PerplexityResult, error) {
	defer busy.Enter(ctx)()
	tok, err := m.tokenizer()
	if err != nil {
		return PerplexityResult{}, err
	}
	text, err := readTextOrPath(textOrPath)
	if err != nil {
		return PerplexityResult{}, err
	}
	return m.PerplexityIDs(ctx, tok.Encode(text, true), maxLength, stride)
}

// readTextOrPath returns the contents of the file s names, or s itself when
// it names no file.
func readTextOrPath(s string) (string, error) {
	if s == "" || strings.ContainsAny(s, "\n\x00") || len(s) > 4096 {
		return s, nil
	}
	info, err := os.Stat(s)
	if errors.Is(err, os.ErrNotExist) || err == nil && info.IsDir() {
		return s, nil
	}
	if err != nil {
		return "", fmt.Errorf("llama: perplexity: %w", err)
	}
	data, err := os.ReadFile(s)
	if err != nil {
		return "", fmt.Errorf("llama: perplexity: %w", err)
	}
	return string(data), nil
}
