package lora

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/tokenizer"
)

// tinyModel returns a small random model with the tokenizer trained in the
// tokenizer package's testdata (1000 tokens).
func tinyModel(t testing.TB) *llama.Model {
	t.Helper()
	return tinyModelOf(t, 2, 512)
}

// tinyModelOf is tinyModel with other numbers of layers and positions.
func tinyModelOf(t testing.TB, layers, positions int) *llama.Model {
	t.Helper()
	tok, err := tokenizer.Load("../tokenizer/testdata/trained/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := llama.NewRandom(llama.Config{
		HiddenSize: 32, IntermediateSize: 64, NumLayers: layers, NumHeads: 4, NumKVHeads: 2, HeadDim: 8,
		VocabSize: tok.VocabSize(), RMSNormEps: 1e-5, RopeTheta: 10000, MaxPositionEmbeddings: positions, BOS: tok.BOS(), EOS: []int{tok.EOS()},
	}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetTokenizer(tok); err != nil {
		t.Fatal(err)
	}
	return m
}

var texts = func() []string {
	var out []string
	words := []string{"apple", "river", "stone", "light", "house", "green", "quiet", "storm"}
	for i := range 24 {
		out = append(out, fmt.Sprintf("### Instruction:\nDefine %s.\n\n### Response:\nA %s is a %s %s.", words[i%8], words[i%8], words[(i+3)%8], words[(i+5)%8]))
	}
	return out
}()

func baseConfig(dir string) Config {
	return Config{Name: "t", Rank: 4, Alpha: 8, Epochs: 2, MicroBatch: 2, Batch: 4, CutoffLen: 64,
		LearningRate: 5e-3, Warmup: 2, Seed: 11, OutputDir: dir, PlotEvery: 1000}
}

func TestTrainWritesEveryFile(t *testing.T) {
	dir := t.TempDir()
	m := tinyModel(t)
	cfg := baseConfig(dir)
	cfg.SaveEvery = 5
	run, err := Train(context.Background(), m, FromTexts(texts).WithEval(FromTexts(texts[:4])), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if run.Steps != 12 || run.TotalSteps != 12 || run.Status != "done" || run.Log.Len() != 12 {
		t.Fatalf("run %+v", run)
	}
	for _, f := range []string{configFile, weightsFile, parametersFile, promptFile, logFile,
		"checkpoint-5/" + weightsFile, "checkpoint-10/" + optimizerFile, "checkpoint-12/" + stateFile} {
		if _, err := os.Stat(filepath.Join(run.Dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	entries, _ := os.ReadDir(run.Dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	evals := 0
	for _, e := range run.Log.Entries {
		if e.EvalLoss != nil {
			evals++
		}
		if e.LR < 0 || e.Tokens == 0 || e.GradNorm <= 0 {
			t.Errorf("log entry %+v", e)
		}
	}
	if evals != 2 {
		t.Errorf("%d evaluations, want one per epoch (2)", evals)
	}
	back, err := CopyParameters(run.Dir)
	if err != nil || back.Rank != 4 || back.LearningRate != 5e-3 || back.Dropout != DefaultDropout || back.Name != "t" {
		t.Errorf("CopyParameters: %+v, %v", back, err)
	}
	log, err := ReadLog(run.Dir)
	if err != nil || log.Len() != 12 {
		t.Errorf("ReadLog: %v", err)
	}
	if r := run.Render(); !strings.Contains(r.Text(), "done after 12 of 12 steps") || r.Data["text/html"] == nil {
		t.Errorf("Render: %q", r.Text())
	}
}

func TestLossFalls(t *testing.T) {
	m := tinyModel(t)
	cfg := baseConfig(t.TempDir())
	cfg.Epochs, cfg.LearningRate, cfg.Targets, cfg.NoDropout, cfg.Rank = 10, 1e-2, []string{"all-linear"}, true, 8
	run, err := Train(context.Background(), m, FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A random base model's frozen head keeps its logits near uniform
	// (ln 1000 ≈ 6.91), so a LoRA moves the loss slowly: 6.91 → 6.44 here.
	first, last := run.Log.Entries[0].Loss, run.Log.Last().Loss
	if !(last < first-0.3) {
		t.Errorf("loss did not fall: %.3f → %.3f", first, last)
	}
}

// The loss that training reports is the loss over the scored tokens only:
// with TrainOnlyAfter, the mean over the answer tokens, computed here
// independently with Forward and Hugging Face-style labels.
func TestTrainOnlyAfterMasks(t *testing.T) {
	m := tinyModel(t)
	cfg := baseConfig(t.TempDir())
	cfg.TrainOnlyAfter = "### Response:\n"
	cfg.Epochs, cfg.Batch, cfg.MicroBatch, cfg.NoDropout = 1, 2, 2, true
	cfg, _ = cfg.withDefaults()
	tok := m.Tokenizer()
	text := texts[0]
	exs, err := tokenize(context.Background(), []string{text}, tok, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ex := exs[0]
	// The scored tokens are the answer's: they decode to the text after the marker.
	var answer []int
	for i, id := range ex.IDs {
		if ex.Mask[i] {
			answer = append(answer, id)
		}
	}
	want := text[strings.Index(text, cfg.TrainOnlyAfter)+len(cfg.TrainOnlyAfter):]
	if got := tok.Decode(answer); got != want {
		t.Fatalf("scored tokens decode to %q, want the answer %q", got, want)
	}
	// The first step's loss equals the masked loss of the untrained model.
	run, err := Train(context.Background(), m, FromExamples([]Example{ex, ex}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]int, len(ex.IDs))
	for i, id := range ex.IDs {
		labels[i] = llama.IgnoreLabel
		if ex.Mask[i] {
			labels[i] = id
		}
	}
	out, err := m.Forward(context.Background(), llama.Batch{Tokens: [][]int{ex.IDs}, Labels: [][]int{labels}})
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(run.Log.Entries[0].Loss - out.Loss); d > 1e-5 {
		t.Errorf("training loss %.6f, masked loss %.6f", run.Log.Entries[0].Loss, out.Loss)
	}
	// Without the mask the loss differs: the mask reaches the loss.
	all := append([]int(nil), ex.IDs...)
	all[0] = llama.IgnoreLabel
	full, _ := m.Forward(context.Background(), llama.Batch{Tokens: [][]int{ex.IDs}, Labels: [][]int{all}})
	if math.Abs(full.Loss-out.Loss) < 1e-3 {
		t.Errorf("masked and unmasked loss are the same (%.4f): the test does not test", out.Loss)
	}
}

// Interrupting at step 6 of 10 and resuming gives the adapter of an
// uninterrupted run, bit for bit.
func TestResumeIsExact(t *testing.T) {
	cfg := baseConfig("")
	cfg.Epochs, cfg.Batch, cfg.MicroBatch = 1, 2, 1
	src := FromTexts(texts[:20])

	cfg.OutputDir = t.TempDir()
	whole, err := Train(context.Background(), tinyModel(t), src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if whole.Steps != 10 {
		t.Fatalf("%d steps", whole.Steps)
	}

	cfg.OutputDir = t.TempDir()
	m := tinyModel(t)
	ctx, cancel := context.WithCancel(context.Background())
	partial, err := trainWithHook(ctx, m, src, cfg, func(step int) {
		if step == 6 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !partial.Interrupted() || partial.Steps != 6 || !strings.HasSuffix(partial.Checkpoint, "checkpoint-6") {
		t.Fatalf("interrupted run: status %q, %d steps, checkpoint %q", partial.Status, partial.Steps, partial.Checkpoint)
	}
	if _, err := Load(m, partial.Dir); err != nil {
		t.Fatalf("the adapter of the interrupted run does not load: %v", err)
	}
	cfg.Resume = true
	resumed, err := Train(context.Background(), tinyModel(t), src, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Steps != 10 || resumed.Log.Len() != 10 {
		t.Fatalf("resumed run: %d steps, %d log entries", resumed.Steps, resumed.Log.Len())
	}
	a, _ := os.ReadFile(filepath.Join(whole.Dir, weightsFile))
	b, _ := os.ReadFile(filepath.Join(resumed.Dir, weightsFile))
	if len(a) == 0 || string(a) != string(b) {
		t.Error("the resumed adapter is not bitwise identical to the uninterrupted one")
	}
	for i := range whole.Log.Entries {
		if whole.Log.Entries[i].Loss != resumed.Log.Entries[i].Loss {
			t.Errorf("step %d: loss %v resumed vs %v", i+1, resumed.Log.Entries[i].Loss, whole.Log.Entries[i].Loss)
		}
	}
	// Rank cannot change on resume.
	cfg.Rank = 8
	if _, err := Train(context.Background(), tinyModel(t), src, cfg); err == nil || !strings.Contains(err.Error(), "rank cannot change") {
		t.Errorf("changing rank on resume: %v", err)
	}
}

// trainWithHook is Train with a function called after every step.
func trainWithHook(ctx context.Context, m *llama.Model, src *Source, cfg Config, hook func(step int)) (*Run, error) {
	cfg.Observers = []Observer{ObserverFunc(func(e Event) error {
		if e.Kind == StepEvent {
			hook(e.Step)
		}
		return nil
	})}
	return Train(ctx, m, src, cfg)
}

func TestReproducibleAcrossProcesses(t *testing.T) {
	if os.Getenv("GOLORA_LORA_CHILD") != "" {
		return
	}
	var files []string
	for i := range 2 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildTrain$", "-test.v")
		cmd.Env = append(os.Environ(), "GOLORA_LORA_CHILD="+dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("child %d: %v\n%s", i, err, out)
		}
		files = append(files, filepath.Join(dir, "t", weightsFile))
	}
	a, _ := os.ReadFile(files[0])
	b, _ := os.ReadFile(files[1])
	if len(a) == 0 || string(a) != string(b) {
		t.Error("two processes with the same seed, data and backend made different adapters")
	}
}

// TestChildTrain trains in a child process for the tests that need one.
func TestChildTrain(t *testing.T) {
	dir := os.Getenv("GOLORA_LORA_CHILD")
	if dir == "" {
		t.Skip("runs as a child of TestReproducibleAcrossProcesses and TestKillWhileSaving")
	}
	cfg := baseConfig(dir)
	if os.Getenv("GOLORA_LORA_FOREVER") != "" {
		cfg.Epochs, cfg.SaveEvery, cfg.Batch, cfg.MicroBatch = 1000, 1, 2, 2
	}
	if _, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg); err != nil {
		t.Fatal(err)
	}
}

// Killing the process while it saves leaves the last checkpoint and the
// adapter folder loadable.
func TestKillWhileSaving(t *testing.T) {
	if os.Getenv("GOLORA_LORA_CHILD") != "" {
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildTrain$")
	cmd.Env = append(os.Environ(), "GOLORA_LORA_CHILD="+dir, "GOLORA_LORA_FOREVER=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// It saves a checkpoint every step; kill it at a moment of its choosing.
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cps, _ := filepath.Glob(filepath.Join(dir, "t", "checkpoint-*")); len(cps) >= 8 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	m := tinyModel(t)
	if _, err := Load(m, filepath.Join(dir, "t")); err != nil {
		t.Errorf("adapter folder after SIGKILL: %v", err)
	}
	last, step, err := latestCheckpoint(filepath.Join(dir, "t"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(m, last); err != nil {
		t.Errorf("checkpoint-%d after SIGKILL: %v", step, err)
	}
	cfg := baseConfig(dir)
	cfg.Epochs, cfg.SaveEvery, cfg.Batch, cfg.MicroBatch, cfg.Resume = 1000, 1, 2, 2, true
	ctx, cancel := context.WithCancel(context.Background())
	run, err := trainWithHook(ctx, m, FromTexts(texts), cfg, func(int) { cancel() })
	if err != nil {
		t.Fatalf("resuming after SIGKILL: %v", err)
	}
	if run.Steps != step+1 {
		t.Errorf("resumed from checkpoint-%d and stopped after %d steps, want %d", step, run.Steps, step+1)
	}
}

func TestMergeEqualsAdapter(t *testing.T) {
	m := tinyModel(t)
	cfg := baseConfig(t.TempDir())
	cfg.Targets, cfg.Epochs = []string{"all-linear"}, 1
	run, err := Train(context.Background(), m, FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	merged, err := Merge(context.Background(), m, run.Adapter)
	if err != nil {
		t.Fatal(err)
	}
	ids := m.Tokenizer().Encode(texts[3], true)
	a, _ := m.WithAdapter(run.Adapter).Forward(context.Background(), llama.Batch{Tokens: [][]int{ids}})
	b, _ := merged.Forward(context.Background(), llama.Batch{Tokens: [][]int{ids}})
	base, _ := m.Forward(context.Background(), llama.Batch{Tokens: [][]int{ids}})
	worst, moved := 0.0, 0.0
	for i := range a.Logits {
		worst = max(worst, math.Abs(float64(a.Logits[i]-b.Logits[i])))
		moved = max(moved, math.Abs(float64(a.Logits[i]-base.Logits[i])))
	}
	if worst > 1e-4 || moved < 1e-3 {
		t.Errorf("merged vs adapted logits differ by %.2g (adapter moved them by %.2g)", worst, moved)
	}
}

func TestConfigErrors(t *testing.T) {
	m := tinyModel(t)
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Name = "" }, "Name is empty"},
		{func(c *Config) { c.Name = "../x" }, "names a folder"},
		{func(c *Config) { c.Batch = 5 }, "not a multiple of MicroBatch"},
		{func(c *Config) { c.Targets = []string{"qq"} }, "target \"qq\""},
		{func(c *Config) { c.Optimizer = "lion" }, "want one of adamw, adam, sgd"},
		{func(c *Config) { c.Scheduler = "nope" }, "unknown schedule"},
		{func(c *Config) { c.MicroBatch, c.Batch, c.CutoffLen = 1<<16, 1<<16, 512 }, "lower MicroBatch"},
		{func(c *Config) { c.Rank = 1000 }, "larger than module"},
		{func(c *Config) { c.CutoffLen = 1024 }, "CutoffLen 1024 is beyond the model's 512 positions (its max_position_embeddings), which it was never trained on: set CutoffLen to 512 or less"},
		{func(c *Config) { c.WeightDecay = math.NaN() }, "Config.WeightDecay is NaN: every number of the Config must be finite"},
		{func(c *Config) { c.MaxGradNorm = math.NaN() }, "Config.MaxGradNorm is NaN"},
		{func(c *Config) { c.MaxGradNorm = math.Inf(1) }, "Config.MaxGradNorm is +Inf"},
		{func(c *Config) { c.Dropout = math.NaN() }, "Config.Dropout is NaN"},
		{func(c *Config) { c.StopAtLoss = math.Inf(-1) }, "Config.StopAtLoss is -Inf"},
		{func(c *Config) { c.LearningRate = math.Inf(1) }, "Config.LearningRate is +Inf"},
		{func(c *Config) { c.Alpha = math.NaN() }, "Config.Alpha is NaN"},
		{func(c *Config) { c.SaveTotalLimit = -1 }, "SaveTotalLimit -1"},
	} {
		cfg := baseConfig(filepath.Join(t.TempDir(), "loras"))
		c.change(&cfg)
		_, err := Train(context.Background(), m, FromTexts(texts), cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want an error with %q, got %v", c.want, err)
		}
		// A refused Config writes nothing.
		if _, err := os.Stat(cfg.OutputDir); err == nil {
			t.Errorf("%q: a refused Config made %s", c.want, cfg.OutputDir)
		}
	}
}

// A CutoffLen left to its default, beyond a model's positions, is cut to
// them.
func TestDefaultCutoffFitsModel(t *testing.T) {
	m := tinyModelOf(t, 1, 16)
	cfg := baseConfig(t.TempDir())
	cfg.CutoffLen, cfg.Epochs = 0, 1
	run, err := Train(context.Background(), m, FromTexts(texts[:4]), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if run.Config.CutoffLen != 16 {
		t.Errorf("CutoffLen %d, want the model's 16 positions", run.Config.CutoffLen)
	}
}

func TestWarmupCap(t *testing.T) {
	m := tinyModel(t)
	cfg := baseConfig(t.TempDir())
	cfg.Warmup, cfg.Epochs = 100, 1
	run, err := Train(context.Background(), m, FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// 6 steps: warmup capped to 0 (10% of 6), so the first step is at full rate.
	if run.Log.Entries[0].LR != cfg.LearningRate {
		t.Errorf("first step's lr %g with warmup capped, want %g", run.Log.Entries[0].LR, cfg.LearningRate)
	}
}

func TestStopAtLoss(t *testing.T) {
	m := tinyModel(t)
	cfg := baseConfig(t.TempDir())
	cfg.StopAtLoss = 100
	run, err := Train(context.Background(), m, FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if run.Steps != 1 || !strings.Contains(run.Status, "StopAtLoss") {
		t.Errorf("StopAtLoss 100: %d steps, status %q", run.Steps, run.Status)
	}
}
