package lora

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/internal/atomicfile"
)

// The files of an adapter folder. The first two are PEFT's: the folder loads
// with peft.PeftModel.from_pretrained.
const (
	configFile     = "adapter_config.json"
	weightsFile    = "adapter_model.safetensors"
	parametersFile = "training_parameters.json"
	promptFile     = "training_prompt.json"
	logFile        = "training_log.json"
	optimizerFile  = "optimizer.safetensors"
	stateFile      = "trainer_state.json"
	cardFile       = "README.md"
)

// peftConfig is adapter_config.json, with the keys PEFT's LoraConfig reads.
type peftConfig struct {
	PeftType          string         `json:"peft_type"`
	TaskType          string         `json:"task_type"`
	R                 int            `json:"r"`
	LoraAlpha         float64        `json:"lora_alpha"`
	LoraDropout       float64        `json:"lora_dropout"`
	TargetModules     []string       `json:"target_modules"`
	Bias              string         `json:"bias"`
	UseRSLoRA         bool           `json:"use_rslora"`
	BaseModel         string         `json:"base_model_name_or_path"`
	InferenceMode     bool           `json:"inference_mode"`
	FanInFanOut       bool           `json:"fan_in_fan_out"`
	InitLoraWeights   bool           `json:"init_lora_weights"`
	ModulesToSave     []string       `json:"modules_to_save"`
	RankPattern       map[string]any `json:"rank_pattern"`
	AlphaPattern      map[string]any `json:"alpha_pattern"`
	UseDoRA           bool           `json:"use_dora"`
	LayersToTransform []int          `json:"layers_to_transform"`
}

// Save writes the adapter into folder dir, as PEFT lays it out:
// adapter_config.json, adapter_model.safetensors and a model card,
// README.md, that names the base (its folder, GGUF file and general.name)
// and shows how to load the adapter in PEFT, llama.cpp and golora. A
// README.md that golora did not write is left as it is. Each file is
// written to a temporary name and renamed, so that an adapter folder is
// never half written.
func (a *Adapter) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lora: %w", err)
	}
	w, err := a.weights()
	if err != nil {
		return fmt.Errorf("lora: saving %s: %w", dir, err)
	}
	var list []safetensors.Tensor
	for _, name := range a.order {
		m := a.modules[name]
		for _, which := range []string{"A", "B"} {
			key := peftName(name, which)
			shape := []int{a.Rank, m.linear.In}
			if which == "B" {
				shape = []int{m.linear.Out, a.Rank}
			}
			t, err := safetensors.Float32Tensor(key, safetensors.F32, shape, w[key])
			if err != nil {
				return fmt.Errorf("lora: saving %s: %w", dir, err)
			}
			list = append(list, t)
		}
	}
	if err := safetensors.Write(filepath.Join(dir, weightsFile), list, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("lora: saving %s: %w", dir, err)
	}
	base := a.Base
	if abs, err := filepath.Abs(base); err == nil && base != "" {
		base = abs
	}
	// A GGUF file's folder, as PEFT writes it for a model that transformers
	// loaded with from_pretrained(folder, gguf_file=name): transformers takes
	// any path that is not a folder for a Hub id, so only the folder lets
	// AutoPeftModelForCausalLM.from_pretrained(adapter, gguf_file=name) load
	// the base.
	if strings.EqualFold(filepath.Ext(base), ".gguf") {
		base = filepath.Dir(base)
	}
	if err := writeJSON(filepath.Join(dir, configFile), peftConfig{
		PeftType: "LORA", TaskType: "CAUSAL_LM", R: a.Rank, LoraAlpha: a.Alpha, LoraDropout: a.Dropout,
		TargetModules: a.Targets, Bias: "none", UseRSLoRA: a.RSLoRA, BaseModel: base,
		InferenceMode: true, InitLoraWeights: true, RankPattern: map[string]any{}, AlphaPattern: map[string]any{},
	}); err != nil {
		return err
	}
	return a.writeCard(dir, base)
}

// cardMark is in the front matter of every model card golora writes, so
// that Save replaces its own card and no other.
const cardMark = "library_name: peft\ntags:\n- golora\n"

// writeCard writes the adapter's model card, README.md, into dir unless a
// README.md golora did not write is there. base is adapter_config.json's
// base_model_name_or_path.
func (a *Adapter) writeCard(dir, base string) error {
	path := filepath.Join(dir, cardFile)
	if old, err := os.ReadFile(path); err == nil && !strings.Contains(string(old), cardMark) {
		return nil
	}
	name := cmp.Or(a.BaseName, filepath.Base(cmp.Or(a.BaseFile, base)))
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs // The card's snippets run from anywhere.
	}
	var b strings.Builder
	fmt.Fprintf(&b, "---\nbase_model: %s\n%s- lora\n---\n\n", quoted(base), cardMark)
	fmt.Fprintf(&b, "# %s\n\nA LoRA adapter of %s, trained with golora: rank %d, alpha %g", a.Name, name, a.Rank, a.Alpha)
	if a.RSLoRA {
		b.WriteString(" (rsLoRA)")
	}
	fmt.Fprintf(&b, ", on %s.\n\n", strings.Join(a.Targets, ", "))
	py := fmt.Sprintf("base = AutoModelForCausalLM.from_pretrained(%s)", quoted(base))
	if a.BaseFile != "" {
		fmt.Fprintf(&b, "The base is the GGUF file `%s` (general.name %q) in `%s`.\n\n", filepath.Base(a.BaseFile), a.BaseName, base)
		py = fmt.Sprintf("base = AutoModelForCausalLM.from_pretrained(%s, gguf_file=%s)", quoted(base), quoted(filepath.Base(a.BaseFile)))
	} else {
		fmt.Fprintf(&b, "The base is the model folder `%s`.\n\n", base)
	}
	fmt.Fprintf(&b, "PEFT:\n\n```python\nfrom transformers import AutoModelForCausalLM\nfrom peft import PeftModel\n\n%s\nmodel = PeftModel.from_pretrained(base, %s)\n```\n\n", py, quoted(dir))
	if a.BaseFile != "" {
		fmt.Fprintf(&b, "llama.cpp, after `run.Adapter.SaveGGUF(\"adapter.gguf\")` in golora:\n\n```sh\nllama-cli -m %s --lora adapter.gguf\n```\n\n", shellWord(a.BaseFile))
	}
	fmt.Fprintf(&b, "golora:\n\n```go\nmodel, _ := llama.Load(ctx, %q)\nadapter, _ := lora.Load(model, %q)\nchat := model.WithAdapter(adapter)\n```\n", cmp.Or(a.BaseFile, base), dir)
	return writeFile(path, []byte(b.String()))
}

// quoted quotes s for the card's YAML front matter and Python snippet:
// Go's escapes are those of YAML's double-quoted scalars and of Python's
// string literals.
func quoted(s string) string { return strconv.Quote(s) }

// shellWord quotes s for a POSIX shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Load reads an adapter folder — one golora saved, or one PEFT saved with
// save_pretrained — for model m, and returns it. Apply it with
// m.WithAdapter(a).
func Load(m *llama.Model, dir string) (*Adapter, error) {
	var pc peftConfig
	data, err := os.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		return nil, fmt.Errorf("lora: loading adapter: %w", err)
	}
	if err := json.Unmarshal(data, &pc); err != nil {
		return nil, fmt.Errorf("lora: loading adapter: %s: %w", filepath.Join(dir, configFile), err)
	}
	switch {
	case pc.PeftType != "" && pc.PeftType != "LORA":
		return nil, fmt.Errorf("lora: %s: peft_type %q is not LORA", dir, pc.PeftType)
	case pc.UseDoRA:
		return nil, fmt.Errorf("lora: %s: DoRA adapters (use_dora) are not supported", dir)
	case pc.Bias != "" && pc.Bias != "none":
		return nil, fmt.Errorf("lora: %s: bias %q is not supported (only \"none\")", dir, pc.Bias)
	case len(pc.RankPattern) > 0 || len(pc.AlphaPattern) > 0:
		return nil, fmt.Errorf("lora: %s: per-module rank_pattern and alpha_pattern are not supported", dir)
	case pc.FanInFanOut:
		return nil, fmt.Errorf("lora: %s: fan_in_fan_out adapters are not supported", dir)
	}
	targets, err := resolveTargets(pc.TargetModules)
	if err != nil {
		return nil, fmt.Errorf("lora: %s: %w", dir, err)
	}
	f, err := safetensors.Open(filepath.Join(dir, weightsFile))
	if err != nil {
		return nil, fmt.Errorf("lora: loading adapter: %w", err)
	}
	defer f.Close()
	values := map[string][]float32{}
	for _, name := range f.Names() {
		v, err := f.Float32s(name)
		if err != nil {
			return nil, fmt.Errorf("lora: loading adapter %s: %w", dir, err)
		}
		// PEFT may name the adapter in the key: lora_A.default.weight.
		values[strings.Replace(strings.Replace(name, ".lora_A.default.", ".lora_A.", 1), ".lora_B.default.", ".lora_B.", 1)] = v
	}
	a, err := newAdapter(m, filepath.Base(dir), pc.R, pc.LoraAlpha, pc.LoraDropout, pc.UseRSLoRA, targets, 0)
	if err != nil {
		return nil, fmt.Errorf("lora: %s: %w", dir, err)
	}
	a.Base = pc.BaseModel
	if err := a.setWeights(values); err != nil {
		return nil, fmt.Errorf("lora: %s: %w", dir, err)
	}
	return a, nil
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("lora: %s: %w", path, err)
	}
	return writeFile(path, append(data, '\n'))
}

// writeFile writes data to path atomically.
func writeFile(path string, data []byte) error {
	if err := atomicfile.Write(path, data); err != nil {
		return fmt.Errorf("lora: writing %s: %w", path, err)
	}
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
