package lora

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/golora/golora/builtins/plot"
)

// Entry is one optimizer step of the training log.
type Entry struct {
	Step  int     `json:"step"`
	Epoch float64 `json:"epoch"`
	// Loss is the mean cross entropy over the step's scored tokens.
	Loss float64 `json:"loss"`
	// EvalLoss is the loss on the eval data, evaluated after this step; nil
	// when the step was not evaluated.
	EvalLoss        *float64 `json:"eval_loss,omitempty"`
	LR              float64  `json:"learning_rate"`
	GradNorm        float64  `json:"grad_norm"`
	Tokens          int      `json:"tokens"`
	TokensPerSecond float64  `json:"tokens_per_second"`
	Elapsed         float64  `json:"elapsed_seconds"`
}

// Log is the training log of a run, one Entry per optimizer step, kept in
// training_log.json. plot.Loss draws it.
type Log struct {
	Entries []Entry `json:"log"`
}

// Len implements plot.TrainingLog.
func (l *Log) Len() int { return len(l.Entries) }

// Entry implements plot.TrainingLog.
func (l *Log) Entry(i int) plot.LogEntry {
	e := l.Entries[i]
	eval := math.NaN()
	if e.EvalLoss != nil {
		eval = *e.EvalLoss
	}
	return plot.LogEntry{Step: e.Step, Loss: e.Loss, EvalLoss: eval, LR: e.LR}
}

// Last returns the last entry, or a zero Entry.
func (l *Log) Last() Entry {
	if len(l.Entries) == 0 {
		return Entry{}
	}
	return l.Entries[len(l.Entries)-1]
}

// ReadLog reads the training_log.json of an adapter folder.
func ReadLog(dir string) (*Log, error) {
	var l Log
	data, err := os.ReadFile(filepath.Join(dir, logFile))
	if err != nil {
		return nil, fmt.Errorf("lora: %w", err)
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("lora: %s: %w", filepath.Join(dir, logFile), err)
	}
	return &l, nil
}

func (l *Log) save(dir string) error { return writeJSON(filepath.Join(dir, logFile), l) }

var _ plot.TrainingLog = (*Log)(nil)
