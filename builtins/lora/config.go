package lora

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/golora/golora/builtins/formats"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/sched"
)

// Config holds every parameter of a training run, with the names and
// defaults of text-generation-webui's Train LoRA tab. A zero field takes its
// default; the No… fields turn off what is on by default, so that a
// struct literal that names only what it changes reads right:
//
//	lora.Config{Name: "devil", Epochs: 2, Scheduler: "cosine", Warmup: 20}
type Config struct {
	// Name names the adapter and its folder, OutputDir/Name.
	Name string `json:"name"`
	// Rank is r, the inner dimension of A [r, in] and B [out, r] (8).
	Rank int `json:"rank"`
	// Alpha scales the adapter's output by Alpha/Rank (16), or by
	// Alpha/√Rank with RSLoRA.
	Alpha float64 `json:"alpha"`
	// Dropout is the probability that an input of an adapter is dropped in
	// training (0.05); NoDropout turns it off.
	Dropout   float64 `json:"dropout"`
	NoDropout bool    `json:"no_dropout,omitempty"`
	// RSLoRA scales by Alpha/√Rank (rank-stabilised LoRA).
	RSLoRA bool `json:"use_rslora"`
	// Targets are the linear modules that get an adapter: any of q, k, v,
	// o, gate, up, down (or their Hugging Face names q_proj, …), or
	// "all-linear" (["q", "v"]).
	Targets []string `json:"target_modules"`

	// Epochs is how many times the data is gone through (3).
	Epochs int `json:"epochs"`
	// MicroBatch is the number of examples of one forward and backward
	// pass (4); Batch the number of an optimizer step (32), accumulated
	// over Batch/MicroBatch micro-batches.
	MicroBatch int `json:"micro_batch_size"`
	Batch      int `json:"batch_size"`
	// CutoffLen is the longest example in tokens (formats.DefaultCutoff,
	// 256); longer ones are cut.
	CutoffLen int `json:"cutoff_len"`
	// GradientCheckpointing recomputes each decoder layer's activations in
	// the backward pass instead of keeping them (see
	// llama.Model.WithGradientCheckpointing): the same gradients, the
	// activations of one layer in memory instead of all, about a third
	// more time per step. For long CutoffLen and large MicroBatch.
	GradientCheckpointing bool `json:"gradient_checkpointing"`

	// LearningRate is the peak learning rate (3e-4).
	LearningRate float64 `json:"learning_rate"`
	// Scheduler is one of sched.Names() ("linear").
	Scheduler string `json:"lr_scheduler_type"`
	// Warmup is the number of warmup steps (100), capped to 10% of the
	// run's steps when the run is shorter; NoWarmup turns warmup off.
	Warmup   int  `json:"warmup_steps"`
	NoWarmup bool `json:"no_warmup,omitempty"`
	// Optimizer is one of Optimizers(): adamw, adam, sgd, adafactor
	// ("adamw").
	Optimizer string `json:"optimizer"`
	// WeightDecay applies to the adapter's weights only (0).
	WeightDecay float64 `json:"weight_decay"`
	// MaxGradNorm clips the gradient to this global norm (1.0); NoClip
	// turns clipping off.
	MaxGradNorm float64 `json:"max_grad_norm"`
	NoClip      bool    `json:"no_clip,omitempty"`

	// StopAtLoss ends the run at the first step whose loss is below it (0:
	// never).
	StopAtLoss float64 `json:"stop_at_loss"`
	// SaveEvery saves a checkpoint every N steps (0: only at the end).
	SaveEvery int `json:"save_steps"`
	// SaveTotalLimit keeps only the newest N checkpoint folders, removing
	// older ones as new ones are saved, as Hugging Face's Trainer does (0:
	// keep them all).
	SaveTotalLimit int `json:"save_total_limit"`
	// EvalEvery evaluates on the eval data every N steps (0: at the end of
	// each epoch, when there is eval data).
	EvalEvery int `json:"eval_steps"`
	// TrainOnlyAfter masks every token up to the end of the first
	// occurrence of this string out of the loss ("": none), such as
	// "### Response:" to train on the answers only.
	TrainOnlyAfter string `json:"train_only_after"`
	// NoBOS leaves out the BOS token that starts each example; AddEOS ends
	// each example with EOS.
	NoBOS  bool `json:"no_bos,omitempty"`
	AddEOS bool `json:"add_eos_token"`
	// Overflow says what becomes of an example longer than CutoffLen:
	// "truncate" (the default, also "") cuts it at CutoffLen and trains on the
	// trained tokens that fit; "drop" leaves it out, and the run's summary
	// lists the rows dropped. Either way an example with no trained token
	// left is never trained on: with "truncate" Train refuses it, naming
	// the rows.
	Overflow string `json:"overflow,omitempty"`
	// LastTurnOnly trains a conversation (FromChat) on its last assistant
	// turn only, as TRL and LLaMA-Factory's mask_history do; by default
	// every assistant turn is trained.
	LastTurnOnly bool `json:"last_turn_only,omitempty"`
	// Packing packs several examples into each row of CutoffLen tokens
	// (first-fit decreasing, once before the first step), with attention
	// that never crosses examples and positions restarting at each, so that
	// a batch holds far fewer padding tokens: each example's loss is what it
	// is unpacked. Steps then count packed rows.
	Packing bool `json:"packing,omitempty"`
	// Seed fixes the adapter's initialisation, the shuffling and dropout.
	Seed int64 `json:"seed"`

	// OutputDir is the folder of adapter folders ("loras").
	OutputDir string `json:"output_dir"`
	// Overwrite starts afresh when OutputDir/Name holds an adapter, and
	// removes the checkpoint folders of the earlier run (said in the log);
	// without it training continues from that adapter's weights, as the
	// webui does. With Resume, Overwrite does nothing.
	Overwrite bool `json:"overwrite"`
	// Resume continues from the newest checkpoint of OutputDir/Name, with
	// its optimizer state and data position, exactly as if the run had not
	// stopped. The checkpoint's run must have had the same parameters (all
	// but those of saving, evaluating and stopping): Train refuses one that
	// differs, naming the fields.
	Resume bool `json:"-"`
	// PlotEvery redraws the live loss plot every N steps (10).
	PlotEvery int `json:"-"`
	// Observers are told the run's events after the notebook's own
	// observer (which prints the plan and draws the progress bar and the
	// loss plot), and may stop the run: see Observer.
	Observers []Observer `json:"-"`

	// limit, when set, makes a Source of its first rows only (Preview).
	limit int
}

// Defaults. CutoffLen's is formats.DefaultCutoff, which formats' Tokenize and
// Preview share.
const (
	DefaultRank         = 8
	DefaultAlpha        = 16
	DefaultDropout      = 0.05
	DefaultEpochs       = 3
	DefaultMicroBatch   = 4
	DefaultBatch        = 32
	DefaultLearningRate = 3e-4
	DefaultScheduler    = "linear"
	DefaultWarmup       = 100
	DefaultOptimizer    = "adamw"
	DefaultMaxGradNorm  = 1.0
	DefaultOutputDir    = "loras"
	DefaultPlotEvery    = 10
	DefaultOverflow     = "truncate" // Config.Overflow "" means it.
)

// DefaultTargets are the modules that get an adapter by default.
var DefaultTargets = []string{"q", "v"}

var validName = regexp.MustCompile(`^[\p{L}\p{N}_.\-]+$`)

// withDefaults returns c with every zero field set to its default, checked.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		return c, fmt.Errorf("lora: Config.Name is empty: name the adapter, as in lora.Config{Name: \"devil\"}")
	}
	if !validName.MatchString(c.Name) || c.Name == "." || c.Name == ".." {
		return c, fmt.Errorf("lora: Config.Name %q: use letters, digits, _ . and - only (it names a folder)", c.Name)
	}
	if err := c.checkFinite(); err != nil {
		return c, err
	}
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.Rank, DefaultRank)
	deff(&c.Alpha, DefaultAlpha)
	deff(&c.Dropout, DefaultDropout)
	if c.NoDropout {
		c.Dropout = 0
	}
	def(&c.Epochs, DefaultEpochs)
	def(&c.MicroBatch, DefaultMicroBatch)
	def(&c.Batch, DefaultBatch)
	def(&c.CutoffLen, formats.DefaultCutoff)
	deff(&c.LearningRate, DefaultLearningRate)
	if c.Scheduler == "" {
		c.Scheduler = DefaultScheduler
	}
	def(&c.Warmup, DefaultWarmup)
	if c.NoWarmup {
		c.Warmup = 0
	}
	if c.Optimizer == "" {
		c.Optimizer = DefaultOptimizer
	}
	deff(&c.MaxGradNorm, DefaultMaxGradNorm)
	if c.NoClip {
		c.MaxGradNorm = 0
	}
	if c.OutputDir == "" {
		c.OutputDir = DefaultOutputDir
	}
	def(&c.PlotEvery, DefaultPlotEvery)
	// Overflow stays "" for the default, as runs before it had it: Resume
	// compares a checkpoint's parameters with the run's.
	if c.Overflow != "" && c.Overflow != DefaultOverflow && c.Overflow != "drop" {
		return c, fmt.Errorf("lora: Overflow %q: want \"truncate\" (cut an example at CutoffLen) or \"drop\" (leave it out)", c.Overflow)
	}
	if len(c.Targets) == 0 {
		c.Targets = DefaultTargets
	}
	targets, err := resolveTargets(c.Targets)
	if err != nil {
		return c, err
	}
	c.Targets = targets

	switch {
	case c.Rank < 0:
		return c, fmt.Errorf("lora: Rank %d: want a positive rank such as 8", c.Rank)
	case c.Alpha < 0 || math.IsNaN(c.Alpha) || math.IsInf(c.Alpha, 0):
		return c, fmt.Errorf("lora: Alpha %v: want a positive number such as 16", c.Alpha)
	case c.Dropout < 0 || c.Dropout >= 1:
		return c, fmt.Errorf("lora: Dropout %v: want a probability in [0, 1), or NoDropout", c.Dropout)
	case c.Epochs < 0:
		return c, fmt.Errorf("lora: Epochs %d: want at least 1", c.Epochs)
	case c.MicroBatch < 0 || c.Batch < 0:
		return c, fmt.Errorf("lora: MicroBatch %d, Batch %d: want positive sizes", c.MicroBatch, c.Batch)
	case c.Batch%c.MicroBatch != 0:
		return c, fmt.Errorf("lora: Batch %d is not a multiple of MicroBatch %d: the batch is accumulated over Batch/MicroBatch micro-batches", c.Batch, c.MicroBatch)
	case c.CutoffLen < 2:
		return c, fmt.Errorf("lora: CutoffLen %d: want at least 2 tokens", c.CutoffLen)
	case !(c.LearningRate > 0) || math.IsInf(c.LearningRate, 0):
		return c, fmt.Errorf("lora: LearningRate %v: want a positive rate such as 3e-4", c.LearningRate)
	case c.Warmup < 0:
		return c, fmt.Errorf("lora: Warmup %d: want 0 or more steps (or NoWarmup)", c.Warmup)
	case lookupOptimizer(c.Optimizer) == nil:
		return c, fmt.Errorf("lora: Optimizer %q: want one of %s", c.Optimizer, optimizerList())
	case c.WeightDecay < 0:
		return c, fmt.Errorf("lora: WeightDecay %v: want 0 or more", c.WeightDecay)
	case c.MaxGradNorm < 0:
		return c, fmt.Errorf("lora: MaxGradNorm %v: want a positive norm (or NoClip)", c.MaxGradNorm)
	case c.StopAtLoss < 0 || c.SaveEvery < 0 || c.EvalEvery < 0 || c.SaveTotalLimit < 0:
		return c, fmt.Errorf("lora: StopAtLoss %v, SaveEvery %d, EvalEvery %d, SaveTotalLimit %d: none may be negative (0 turns each off)", c.StopAtLoss, c.SaveEvery, c.EvalEvery, c.SaveTotalLimit)
	}
	if _, err := sched.New(c.Scheduler, c.LearningRate, 0, 1); err != nil {
		return c, fmt.Errorf("lora: Scheduler: %w", err)
	}
	return c, nil
}

// checkFinite refuses NaN and ±Inf in every number of the Config: they
// would pass the range checks below and spoil the run later.
func (c Config) checkFinite() error {
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.Float64 && (math.IsNaN(f.Float()) || math.IsInf(f.Float(), 0)) {
			return fmt.Errorf("lora: Config.%s is %v: every number of the Config must be finite (0 takes the default)", v.Type().Field(i).Name, f.Float())
		}
	}
	return nil
}

// checkModel refuses a Config that model cannot train: a CutoffLen beyond
// its positions, which it has never seen. A CutoffLen left to its default
// is cut to the model's positions instead (a note says so).
func (c *Config) checkModel(model *llama.Model, defaulted bool) (note string, err error) {
	limit := model.Config.MaxPositionEmbeddings
	if limit <= 0 || c.CutoffLen <= limit {
		return "", nil
	}
	if defaulted {
		c.CutoffLen = limit
		return fmt.Sprintf("CutoffLen: the default %d is beyond the model's %d positions: cut to %d", formats.DefaultCutoff, limit, limit), nil
	}
	return "", fmt.Errorf("lora: CutoffLen %d is beyond the model's %d positions (its max_position_embeddings), which it was never trained on: set CutoffLen to %d or less", c.CutoffLen, limit, limit)
}

// resolveTargets turns short or Hugging Face module names, or "all-linear",
// into Hugging Face names in the model's order (llama.LinearModules).
func resolveTargets(names []string) ([]string, error) {
	set := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(strings.ToLower(n))
		switch hf := hfModule(n); {
		case n == "all-linear" || n == "all_linear" || n == "all":
			for _, m := range llama.LinearModules {
				set[m] = true
			}
		case hf != "":
			set[hf] = true
		default:
			return nil, fmt.Errorf("lora: target %q: want any of %s, their Hugging Face names (q_proj, …), or all-linear", n, strings.Join(shortModules(), ", "))
		}
	}
	var out []string
	for _, m := range llama.LinearModules {
		if set[m] {
			out = append(out, m)
		}
	}
	return out, nil
}

// hfModule returns the Hugging Face name of the linear module that name
// names, by that name or by its short one (q for q_proj), or "".
func hfModule(name string) string {
	for _, m := range llama.LinearModules {
		if name == m || name == shortModule(m) {
			return m
		}
	}
	return ""
}

// shortModule returns a module's short name: q for q_proj.
func shortModule(hf string) string { return strings.TrimSuffix(hf, "_proj") }

// shortModules returns the short names of the linear modules, in the
// model's order.
func shortModules() []string {
	out := make([]string, len(llama.LinearModules))
	for i, m := range llama.LinearModules {
		out[i] = shortModule(m)
	}
	return out
}

// scaling returns the factor of the adapter's output.
func (c Config) scaling() float64 {
	if c.RSLoRA {
		return c.Alpha / math.Sqrt(float64(c.Rank))
	}
	return c.Alpha / float64(c.Rank)
}

// dir returns the adapter's folder.
func (c Config) dir() string { return filepath.Join(c.OutputDir, c.Name) }

// CopyParameters returns the Config of the run that saved the adapter
// folder dir (its training_parameters.json), to train again with the same
// parameters, as the webui's "Copy parameters from" does.
func CopyParameters(dir string) (Config, error) {
	var c Config
	data, err := os.ReadFile(filepath.Join(dir, parametersFile))
	if err != nil {
		return c, fmt.Errorf("lora: copy parameters: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("lora: copy parameters: %s: %w", filepath.Join(dir, parametersFile), err)
	}
	return c, nil
}
