package runtime

import (
	"fmt"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/display"
)

// TestCellObserver trains a LoRA from cells with two observers a cell
// defines: a type with an Observe method, which stops the run at step 3,
// and a function wrapped in lora.ObserverFunc. Both reach the compiled
// trainer through yaegi and see the events.
func TestCellObserver(t *testing.T) {
	s := newSession(t)
	run(t, s, `tok, err := tokenizer.Load("../builtins/tokenizer/testdata/trained/tokenizer.json")
if err != nil {
	panic(err)
}
m, err := llama.NewRandom(llama.Config{HiddenSize: 32, IntermediateSize: 64, NumLayers: 2, NumHeads: 4, NumKVHeads: 2, HeadDim: 8,
	VocabSize: tok.VocabSize(), RMSNormEps: 1e-5, RopeTheta: 10000, MaxPositionEmbeddings: 128, BOS: tok.BOS(), EOS: []int{tok.EOS()}}, 7)
if err != nil {
	panic(err)
}
m.SetTokenizer(tok)
var texts []string
for i := 0; i < 16; i++ {
	texts = append(texts, fmt.Sprintf("### Instruction:\nSay %d.\n\n### Response:\n%d is a number.", i, i))
}`)
	run(t, s, `type counter struct {
	steps, ends int
	status      string
}

func (c *counter) Observe(e lora.Event) error {
	switch e.Kind {
	case lora.StepEvent:
		c.steps++
		if e.Step == 3 {
			return fmt.Errorf("three is enough: %w", lora.Stop)
		}
	case lora.EndEvent:
		c.ends++
		c.status = e.Run.Status
	}
	return nil
}`)
	_, rec := run(t, s, fmt.Sprintf(`c := &counter{}
var lines []string
trace := lora.ObserverFunc(func(e lora.Event) error {
	lines = append(lines, e.String())
	return nil
})
r, err := lora.Train(ctx, m, lora.FromTexts(texts), lora.Config{Name: "cell", Rank: 4, Epochs: 1, MicroBatch: 2, Batch: 2,
	CutoffLen: 64, Warmup: 1, Seed: 1, OutputDir: %q, PlotEvery: 1000, Observers: []lora.Observer{c, trace}})
if err != nil {
	panic(err)
}`, t.TempDir()))
	if got := value(t, s, `fmt.Sprint(c.steps, " ", c.ends, " ", r.Steps, " ", c.status)`); got != `"3 1 3 stopped: three is enough: an observer asked to stop"` {
		t.Errorf("the cell's observer saw %s", got)
	}
	got := value(t, s, `strings.Join(lines, "\n")`)
	for _, want := range []string{"begin at step 0/8", "step 1/8 (epoch 0.12): loss ", "step 3/8", "checkpoint at step 3/8", "end: stopped: three is enough"} {
		if !strings.Contains(got, want) {
			t.Errorf("the ObserverFunc's lines lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "step 4/8") {
		t.Errorf("the run went on after the stop:\n%s", got)
	}
	// The notebook's observer came first: its progress bar ends at the stop.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	bar := ""
	for _, b := range append(append([]display.Bundle{}, rec.displays...), rec.updates...) {
		if strings.HasPrefix(b.Text(), "train cell") {
			bar = b.Text()
		}
	}
	if !strings.Contains(bar, "3/8") {
		t.Errorf("the progress bar's last state: %q", bar)
	}
}
