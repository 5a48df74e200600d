package lora

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/internal/atomicfile"
)

// trainerState is a checkpoint's trainer_state.json: with the weights and
// the optimizer's moments, all a resumed run needs to continue as if it had
// not stopped.
type trainerState struct {
	Step       int      `json:"global_step"`
	TotalSteps int      `json:"max_steps"`
	Epoch      float64  `json:"epoch"`
	Full       bool     `json:"full_training"`
	Rank       int      `json:"rank,omitempty"`
	Targets    []string `json:"target_modules,omitempty"`
	Examples   int      `json:"examples"`
	DataHash   string   `json:"data_sha256"`
	RNG        []string `json:"dropout_rng_state,omitempty"` // hex uint64 words
	Elapsed    float64  `json:"elapsed_seconds"`
	Log        []Entry  `json:"log_history"`
	// RunStarted is when the run began (RFC 3339, UTC): of the checkpoints
	// in a folder, Resume takes the newest run's.
	RunStarted string `json:"run_started,omitempty"`
	// Parameters is the run's Config, which Resume compares with its own.
	Parameters *Config `json:"training_parameters,omitempty"`
}

const checkpointPrefix = "checkpoint-"

// dataHash fingerprints the examples, so that a resume on other data is
// refused.
func dataHash(examples []Example) string {
	h := sha256.New()
	var buf [8]byte
	for _, e := range examples {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(e.IDs)))
		h.Write(buf[:])
		for i, id := range e.IDs {
			binary.LittleEndian.PutUint64(buf[:], uint64(id))
			if e.Mask[i] {
				buf[7] |= 0x80
			}
			h.Write(buf[:])
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// save writes what the run has made into dir: the adapter (or, in full
// training, the model) and the log.
func (t *trainer) save(dir string) error {
	if err := t.what.save(dir); err != nil {
		return err
	}
	return t.run.Log.save(dir)
}

// checkpoint writes checkpoint-step: the adapter, the optimizer state and
// trainer_state.json, into a temporary folder that is renamed when complete,
// so that a checkpoint folder is whole or absent. A folder of that name that
// this run did not write (an earlier run's) is replaced. With
// SaveTotalLimit, the oldest checkpoints beyond it are then removed.
func (t *trainer) checkpoint(step int) error {
	final := filepath.Join(t.run.Dir, checkpointPrefix+strconv.Itoa(step))
	if step == t.saved {
		t.run.Checkpoint = final
		return nil
	}
	d, err := atomicfile.NewDir(final)
	if err != nil {
		return fmt.Errorf("lora: checkpoint: making a folder for %s: %w", final, err)
	}
	defer d.Discard()
	if err := t.writeCheckpoint(d.Path(), step); err != nil {
		return err
	}
	if err := d.Commit(); err != nil {
		return fmt.Errorf("lora: checkpoint: renaming the folder into %s: %w", final, err)
	}
	t.run.Checkpoint, t.saved = final, step
	t.rotate()
	return nil
}

// writeCheckpoint writes the files of the checkpoint of step into dir.
func (t *trainer) writeCheckpoint(tmp string, step int) error {
	if err := t.save(tmp); err != nil {
		return err
	}
	var list []safetensors.Tensor
	for i, name := range t.eng.names {
		for j, s := range t.eng.slots[i] {
			st, err := variableTensor(name+"."+s.name, t.eng.state[i][j])
			if err != nil {
				return err
			}
			list = append(list, st)
		}
	}
	more, err := t.what.checkpointTensors()
	if err != nil {
		return err
	}
	list = append(list, more...)
	if err := safetensors.Write(filepath.Join(tmp, optimizerFile), list, nil); err != nil {
		return fmt.Errorf("lora: checkpoint: writing the optimizer state %s: %w", filepath.Join(tmp, optimizerFile), err)
	}
	state := trainerState{
		Step: step, TotalSteps: t.plan.total, Epoch: float64(step) / float64(t.plan.stepsPerEpoch),
		Examples: len(t.plan.examples), DataHash: dataHash(t.plan.examples),
		Elapsed: t.run.Elapsed.Seconds(), Log: t.run.Log.Entries, RunStarted: t.started, Parameters: &t.cfg,
	}
	if t.run.Log.Len() > 0 {
		state.Elapsed = t.run.Log.Last().Elapsed
	}
	t.what.stamp(&state, t.cfg)
	if t.eng.rng != nil {
		val, err := t.eng.rng.Value()
		if err != nil {
			return fmt.Errorf("lora: checkpoint: reading the dropout state: %w", err)
		}
		for _, w := range tensors.MustCopyFlatData[uint64](val) {
			state.RNG = append(state.RNG, strconv.FormatUint(w, 16))
		}
	}
	return writeJSON(filepath.Join(tmp, stateFile), state)
}

// variableTensor returns the value of the float32 variable v as the
// tensor name of a safetensors file.
func variableTensor(name string, v *model.Variable) (safetensors.Tensor, error) {
	val, err := v.Value()
	if err != nil {
		return safetensors.Tensor{}, fmt.Errorf("lora: checkpoint: reading %s: %w", name, err)
	}
	st, err := safetensors.Float32Tensor(name, safetensors.F32, v.Shape().Dimensions, tensors.MustCopyFlatData[float32](val))
	if err != nil {
		return safetensors.Tensor{}, fmt.Errorf("lora: checkpoint: %s: %w", name, err)
	}
	return st, nil
}

// A savedCheckpoint is a whole checkpoint folder of an adapter folder.
type savedCheckpoint struct {
	dir        string
	step       int
	runStarted string
}

// checkpoints lists the whole checkpoint folders in dir, oldest first: by
// the start of their run, then by step.
func checkpoints(dir string) ([]savedCheckpoint, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []savedCheckpoint
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, checkpointPrefix) {
			continue
		}
		step, err := strconv.Atoi(strings.TrimPrefix(name, checkpointPrefix))
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name, stateFile))
		if err != nil {
			continue
		}
		var st struct {
			RunStarted string `json:"run_started"`
		}
		json.Unmarshal(data, &st)
		out = append(out, savedCheckpoint{filepath.Join(dir, name), step, st.RunStarted})
	}
	slices.SortFunc(out, func(a, b savedCheckpoint) int {
		return cmp.Or(cmp.Compare(a.runStarted, b.runStarted), cmp.Compare(a.step, b.step))
	})
	return out, nil
}

// latestCheckpoint returns the newest whole checkpoint folder in dir: the
// last of the newest run, so that checkpoints an earlier run left are never
// taken for this one's.
func latestCheckpoint(dir string) (string, int, error) {
	list, err := checkpoints(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", 0, fmt.Errorf("lora: nothing to resume: %s does not exist", dir)
		}
		return "", 0, fmt.Errorf("lora: %w", err)
	}
	if len(list) == 0 {
		return "", 0, fmt.Errorf("lora: nothing to resume: %s has no checkpoint-N folder", dir)
	}
	last := list[len(list)-1]
	return last.dir, last.step, nil
}

// rotate removes the oldest checkpoints beyond SaveTotalLimit. A checkpoint
// it cannot remove stays, said in the run's output: the new checkpoint is
// whole, so the run goes on.
func (t *trainer) rotate() {
	if t.cfg.SaveTotalLimit == 0 {
		return
	}
	list, err := checkpoints(t.run.Dir)
	if err != nil {
		t.emit(Event{Kind: NoteEvent, Step: t.run.Steps, Text: fmt.Sprintf("SaveTotalLimit %d: listing the checkpoints: %v (older ones stay)", t.cfg.SaveTotalLimit, err)})
		return
	}
	for _, c := range list[:max(len(list)-t.cfg.SaveTotalLimit, 0)] {
		if err := os.RemoveAll(c.dir); err != nil {
			t.emit(Event{Kind: NoteEvent, Step: t.run.Steps, Text: fmt.Sprintf("SaveTotalLimit %d: could not remove %s: %v (it stays; remove it by hand)", t.cfg.SaveTotalLimit, c.dir, err)})
		}
	}
}

// clearCheckpoints removes the checkpoint folders an earlier run left in
// the run's folder, for Overwrite, and says so in the plan's notes.
func (t *trainer) clearCheckpoints() error {
	list, err := checkpoints(t.run.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lora: Overwrite: %w", err)
	}
	var names []string
	for _, c := range list {
		if err := os.RemoveAll(c.dir); err != nil {
			return fmt.Errorf("lora: Overwrite: removing the earlier run's %s: %w", c.dir, err)
		}
		names = append(names, filepath.Base(c.dir))
	}
	if len(names) > 0 {
		t.plan.notes = append(t.plan.notes, fmt.Sprintf("Overwrite: removed the earlier run's %s", strings.Join(names, ", ")))
	}
	return nil
}

// resume loads the newest checkpoint of the run's folder and returns the
// step to continue from.
func (t *trainer) resume() (int, error) {
	dir, _, err := latestCheckpoint(t.run.Dir)
	if err != nil {
		return 0, err
	}
	var st trainerState
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return 0, fmt.Errorf("lora: resume: reading the trainer state: %w", err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return 0, fmt.Errorf("lora: resume: %s: %w", filepath.Join(dir, stateFile), err)
	}
	if err := t.what.check(st, dir, t.cfg); err != nil {
		return 0, err
	}
	switch {
	case st.Examples != len(t.plan.examples) || st.DataHash != dataHash(t.plan.examples):
		return 0, fmt.Errorf("lora: resume: the training data differs from the data of checkpoint %s (%d examples then, %d now): resume with the same data, format and cutoff", dir, st.Examples, len(t.plan.examples))
	case st.TotalSteps != t.plan.total:
		return 0, fmt.Errorf("lora: resume: checkpoint %s was made for %d steps and this run has %d: keep Epochs and Batch as they were", dir, st.TotalSteps, t.plan.total)
	}
	if st.Parameters != nil {
		if diff := resumeDiff(*st.Parameters, t.cfg); len(diff) > 0 {
			return 0, fmt.Errorf("lora: resume: checkpoint %s was made with other parameters: %s; resume with the parameters it was made with (lora.CopyParameters(%q) returns them), or start afresh with Overwrite and without Resume",
				dir, strings.Join(diff, ", "), t.run.Dir)
		}
	}
	f, err := safetensors.Open(filepath.Join(dir, optimizerFile))
	if err != nil {
		return 0, fmt.Errorf("lora: resume: reading the optimizer state: %w", err)
	}
	defer f.Close()
	if err := t.what.restore(dir, f); err != nil {
		return 0, err
	}
	for i, name := range t.eng.names {
		for j, s := range t.eng.slots[i] {
			if err := setFromFile(t.eng.state[i][j], f, name+"."+s.name); err != nil {
				return 0, fmt.Errorf("lora: resume: %s: %w", dir, err)
			}
		}
	}
	if t.eng.rng != nil && len(st.RNG) > 0 {
		words := make([]uint64, len(st.RNG))
		for i, s := range st.RNG {
			if words[i], err = strconv.ParseUint(s, 16, 64); err != nil {
				return 0, fmt.Errorf("lora: resume: %s: dropout state: %w", dir, err)
			}
		}
		if err := t.eng.rng.SetValue(tensors.FromFlatDataAndDimensions(words, t.eng.rng.Shape().Dimensions...)); err != nil {
			return 0, fmt.Errorf("lora: resume: %s: setting the dropout state: %w", dir, err)
		}
	}
	t.eng.step = st.Step
	if st.RunStarted != "" {
		t.started = st.RunStarted
	}
	t.saved = st.Step
	t.run.Log.Entries = st.Log
	t.run.Steps = st.Step
	t.run.elapsedBefore = st.Elapsed
	t.run.Checkpoint = dir
	return st.Step, nil
}

// resumable are the fields of Config (by JSON name) that may change on
// resume: they do not change what the steps compute (gradient checkpointing
// changes where the activations come from, not their values).
var resumable = map[string]bool{
	"name": true, "output_dir": true, "overwrite": true, "save_steps": true, "save_total_limit": true,
	"eval_steps": true, "stop_at_loss": true, "gradient_checkpointing": true,
}

// resumeDiff lists the fields, other than the resumable ones, in which the
// Config of a checkpoint (then) and of a resume (now) differ, as
// "learning_rate 0.0003 then, 0.01 now".
func resumeDiff(then, now Config) []string {
	var diff []string
	a, b := reflect.ValueOf(then), reflect.ValueOf(now)
	for i := range a.NumField() {
		name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("json"), ",")
		if name == "-" || resumable[name] || !a.Type().Field(i).IsExported() {
			continue
		}
		if x, y := a.Field(i).Interface(), b.Field(i).Interface(); !reflect.DeepEqual(x, y) {
			diff = append(diff, fmt.Sprintf("%s %v then, %v now", name, x, y))
		}
	}
	return diff
}
