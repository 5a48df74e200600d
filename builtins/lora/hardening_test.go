package lora

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/safetensors"
)

// shortConfig is a run of 6 steps with a checkpoint every 2.
func shortConfig(dir string) Config {
	cfg := baseConfig(dir)
	cfg.Epochs, cfg.SaveEvery = 1, 2
	return cfg
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Run A, then run B with Overwrite and another learning rate, then Resume
// with B's parameters: the adapter is B's, never A's; and a Resume with A's
// parameters is refused, naming the field.
func TestOverwriteThenResumeKeepsTheNewRun(t *testing.T) {
	dir := t.TempDir()
	a := shortConfig(dir)
	a.LearningRate = 3e-4
	runA, err := Train(context.Background(), tinyModel(t), FromTexts(texts), a)
	if err != nil {
		t.Fatal(err)
	}
	adapterA := readFile(t, filepath.Join(runA.Dir, weightsFile))
	// A checkpoint of A that B, with a larger SaveEvery, does not write.
	if _, err := os.Stat(filepath.Join(runA.Dir, "checkpoint-2")); err != nil {
		t.Fatal(err)
	}

	b := shortConfig(dir)
	b.LearningRate, b.Overwrite, b.SaveEvery = 1e-2, true, 3
	runB, err := Train(context.Background(), tinyModel(t), FromTexts(texts), b)
	if err != nil {
		t.Fatal(err)
	}
	adapterB := readFile(t, filepath.Join(runB.Dir, weightsFile))
	if adapterA == adapterB {
		t.Fatal("runs A and B made the same adapter")
	}
	var cps []string
	entries, _ := os.ReadDir(runB.Dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), checkpointPrefix) {
			cps = append(cps, e.Name())
		}
	}
	if want := []string{"checkpoint-3", "checkpoint-6"}; !slices.Equal(cps, want) {
		t.Errorf("after B with Overwrite the folder holds %v, want B's %v only", cps, want)
	}
	if got := readFile(t, filepath.Join(runB.Dir, "checkpoint-6", weightsFile)); got != adapterB {
		t.Error("checkpoint-6 does not hold B's adapter")
	}

	b.Resume = true
	resumed, err := Train(context.Background(), tinyModel(t), FromTexts(texts), b)
	if err != nil {
		t.Fatal(err)
	}
	switch got := readFile(t, filepath.Join(resumed.Dir, weightsFile)); got {
	case adapterB:
	case adapterA:
		t.Fatal("Resume brought back run A's adapter over B's")
	default:
		t.Fatal("Resume changed B's adapter")
	}

	a.Resume = true
	_, err = Train(context.Background(), tinyModel(t), FromTexts(texts), a)
	for _, want := range []string{"checkpoint-6 was made with other parameters", "learning_rate 0.01 then, 0.0003 now", "CopyParameters", "Overwrite"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resuming with A's parameters: %v; want it refused, saying %q", err, want)
		}
	}
	// Fields that do not change the steps may change.
	b.EvalEvery, b.StopAtLoss, b.SaveEvery, b.SaveTotalLimit = 1, 0.5, 1, 3
	if _, err := Train(context.Background(), tinyModel(t), FromTexts(texts), b); err != nil {
		t.Errorf("resuming with other saving, evaluation and stopping: %v", err)
	}
}

// A run that continues an adapter (no Overwrite) leaves the checkpoints of
// the earlier run, but Resume takes the newest run's, not a higher step of
// the earlier one.
func TestResumeTakesTheNewestRun(t *testing.T) {
	dir := t.TempDir()
	cfg := shortConfig(dir)
	if _, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	partial, err := trainWithHook(ctx, tinyModel(t), FromTexts(texts), cfg, func(step int) {
		if step == 3 {
			cancel()
		}
	})
	if err != nil || !partial.Interrupted() {
		t.Fatalf("continuing run: %v, %+v", err, partial)
	}
	if _, err := os.Stat(filepath.Join(partial.Dir, "checkpoint-6")); err != nil {
		t.Fatalf("the earlier run's checkpoint-6 is gone: %v", err)
	}
	cfg.Resume = true
	resumed, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Log.Len() != 6 || resumed.Log.Entries[0].Loss != partial.Log.Entries[0].Loss || resumed.Log.Entries[3] == partial.Log.Entries[0] {
		t.Errorf("Resume did not continue the interrupted run: log %+v", resumed.Log.Entries)
	}
}

// SaveTotalLimit keeps the newest checkpoints only.
func TestSaveTotalLimit(t *testing.T) {
	cfg := shortConfig(t.TempDir())
	cfg.SaveEvery, cfg.SaveTotalLimit = 1, 2
	run, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	list, err := checkpoints(run.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list {
		names = append(names, filepath.Base(c.dir))
	}
	if want := []string{"checkpoint-5", "checkpoint-6"}; !slices.Equal(names, want) {
		t.Errorf("checkpoints %v, want %v", names, want)
	}
}

// A checkpoint folder that an earlier run left under the name a fresh run
// saves to is replaced, not kept.
func TestFreshRunReplacesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	cfg := shortConfig(dir)
	stale := filepath.Join(dir, cfg.Name, "checkpoint-2")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, stateFile), []byte(`{"global_step": 2}`), 0o644); err != nil {
		t.Fatal(err)
	}
	run, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := safetensors.Open(filepath.Join(run.Dir, "checkpoint-2", optimizerFile)); err != nil {
		t.Errorf("checkpoint-2 was not replaced: %v", err)
	}
}

// A model whose tokenizer.json does not parse: Train says which file and
// why, not only that there is no tokenizer.
func TestTrainSaysWhyNoTokenizer(t *testing.T) {
	dir := t.TempDir()
	if err := tinyModel(t).Save(dir, "float32"); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "tokenizer.json")
	if err := os.WriteFile(bad, []byte(`{"model": {"type": "BPE", "vocab": {`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := llama.Load(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Train(context.Background(), m, FromTexts(texts), baseConfig(t.TempDir()))
	for _, want := range []string{"no tokenizer", bad, "unexpected end of JSON input", "SetTokenizer"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Train on a model with a corrupt tokenizer.json: %v; want it to say %q", err, want)
		}
	}
}

// A disk that fills during a run: the run reports Status "failed" with the
// error, the earlier adapter and checkpoint are intact, and no file under a
// real name is half written.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to mount a small tmpfs")
	}
	disk := t.TempDir()
	if err := syscall.Mount("tmpfs", disk, "tmpfs", 0, "size=4m"); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	defer syscall.Unmount(disk, 0)
	cfg := shortConfig(disk)
	first, err := Train(context.Background(), tinyModel(t), FromTexts(texts), cfg)
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	for _, f := range []string{weightsFile, configFile, "checkpoint-6/" + weightsFile, "checkpoint-6/" + optimizerFile, "checkpoint-6/" + stateFile} {
		before[f] = readFile(t, filepath.Join(first.Dir, f))
	}
	// The next run fills the disk after its first step, before it saves.
	filler := filepath.Join(disk, "filler")
	fill := func(int) {
		f, err := os.Create(filler)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		block := make([]byte, 64<<10)
		for {
			if _, err := f.Write(block); err != nil {
				return
			}
		}
	}
	cfg.SaveEvery, cfg.Epochs = 1, 1
	run, err := trainWithHook(context.Background(), tinyModel(t), FromTexts(texts), cfg, fill)
	if err == nil || !strings.Contains(err.Error(), "no space left on device") {
		t.Fatalf("a run on a full disk: %v", err)
	}
	if run == nil || !strings.HasPrefix(run.Status, "failed: ") || !strings.Contains(run.Status, "no space left on device") {
		t.Fatalf("a run on a full disk: %+v", run)
	}
	for f, want := range before {
		if got := readFile(t, filepath.Join(first.Dir, f)); got != want {
			t.Errorf("%s changed in a failed save", f)
		}
	}
	os.Remove(filler)
	err = filepath.WalkDir(first.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch name := d.Name(); {
		case strings.HasSuffix(name, ".tmp"):
			return fmt.Errorf("temporary left: %s", path)
		case strings.HasSuffix(name, ".json"):
			if b, err := os.ReadFile(path); err != nil || !json.Valid(b) {
				return fmt.Errorf("%s does not read as JSON: %v", path, err)
			}
		case strings.HasSuffix(name, ".safetensors"):
			f, err := safetensors.Open(path)
			if err != nil {
				return err
			}
			f.Close()
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if _, err := Load(tinyModel(t), first.Dir); err != nil {
		t.Errorf("the adapter after a failed save: %v", err)
	}
}
