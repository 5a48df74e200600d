package llama

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/golora/golora/builtins/gguf"
)

// TestGGUFMatchesLlamaCpp compares golora's logits on SmolLM2-135M-Instruct's
// Q4_1 file, at every position of the ids TestGGUFMatchesTransformers uses,
// with llama.cpp's (testdata/llamacpp_logits.py, llama-cpp-python 0.3.36,
// which `make llama-cpp` builds and installs).
//
// On a float32 copy of the file (the same weights, dequantized once, under
// the same names: no row order to undo) with a float32 KV cache, llama.cpp
// computes in float32 what golora computes, in another order (its own
// blocking of the dot products, its own exp in softmax and SiLU). Measured
// on an AMD EPYC (AVX-512): the logits agree within 2.2e-4 (mean 1.1e-5),
// the argmax everywhere. The bounds, 1e-3 (that of the transformers test)
// and a mean of 1e-4, leave a factor of 4.5 and 9.
//
// On the Q4_1 file itself llama.cpp does not compute with the weights that
// golora and transformers dequantize: its Q4_1 and Q8_0 dot products first
// quantize the activations to 8 bits (Q8_1 and Q8_0, blocks of 32 with one
// scale each), an error of up to 1/254 of a block's largest value on every
// input of every matrix product, compounded over 30 layers. Measured: the
// logits differ by up to 1.4 (mean 0.17) and the argmax agrees at 267 of
// the 301 positions (89%). These ids are no text, so the top logits lie
// close (a median margin of 0.33 between the first two): on 301 tokens of
// English text (golora's README), llama.cpp's Q4_1 logits against its
// float32 ones, golora's within 2.2e-4, agree in argmax at 96% of the
// positions and within 2.5 (mean 0.16). The test asserts a max of 4, a
// mean of 0.3 and 80%.
func TestGGUFMatchesLlamaCpp(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 135M-parameter model and runs llama.cpp")
	}
	path := smolLM2(t)
	python := os.Getenv("GOLORA_PYTHON")
	if python == "" {
		t.Fatal("GOLORA_PYTHON is not set: the test compares with llama.cpp (make test sets it)")
	}
	if out, err := exec.Command(python, "-c", "import llama_cpp").CombinedOutput(); err != nil {
		t.Fatalf("no llama-cpp-python in %s (make llama-cpp installs it): %v\n%s", python, err, out)
	}
	dir := t.TempDir()
	f32 := filepath.Join(dir, "smollm2-f32.gguf")
	if err := writeF32Copy(path, f32); err != nil {
		t.Fatal(err)
	}
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{1}
	for i := range 300 {
		ids = append(ids, (i*7919+13)%m.Config.VocabSize)
	}
	req, _ := json.Marshal(map[string]any{"ids": ids})
	idsFile := filepath.Join(dir, "ids.json")
	if err := os.WriteFile(idsFile, req, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := m.Forward(context.Background(), Batch{Tokens: [][]int{ids}})
	if err != nil {
		t.Fatal(err)
	}
	vocab := m.Config.VocabSize
	for _, c := range []struct {
		file, what      string
		maxAbs, meanAbs float64
		argmax          float64
	}{
		{f32, "float32 copy", 1e-3, 1e-4, 1},
		{path, "Q4_1 file", 4, 0.3, 0.8},
	} {
		want := llamaCppLogits(t, python, c.file, idsFile, filepath.Join(dir, filepath.Base(c.file)+".logits"))
		if len(want) != len(out.Logits) {
			t.Fatalf("%s: %d logits, golora %d", c.what, len(want), len(out.Logits))
		}
		var worst, sum float64
		agree := 0
		for p := range ids {
			got, ref := out.Logits[p*vocab:(p+1)*vocab], want[p*vocab:(p+1)*vocab]
			for v := range got {
				d := math.Abs(float64(got[v] - ref[v]))
				worst = max(worst, d)
				sum += d
			}
			if argmax(got) == argmax(ref) {
				agree++
			}
		}
		mean, share := sum/float64(len(want)), float64(agree)/float64(len(ids))
		t.Logf("llama.cpp on the %s: max |Δlogit| %.2g, mean %.2g, argmax agrees at %d of %d positions", c.what, worst, mean, agree, len(ids))
		if worst > c.maxAbs || mean > c.meanAbs || share < c.argmax {
			t.Errorf("llama.cpp on the %s: logits differ by up to %g (mean %g), argmax agrees at %.1f%% of positions; want ≤ %g, ≤ %g, ≥ %g%%",
				c.what, worst, mean, 100*share, c.maxAbs, c.meanAbs, 100*c.argmax)
		}
	}
}

// writeF32Copy writes a copy of the GGUF file src to dst with every tensor
// stored as F32: the same names, metadata and (dequantized) values.
func writeF32Copy(src, dst string) error {
	f, err := gguf.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	meta := f.Metadata()
	for i, kv := range meta {
		if kv.Key == "general.file_type" {
			meta[i].Value = uint32(0) // LLAMA_FTYPE_ALL_F32
		}
	}
	var list []gguf.Tensor
	for _, info := range f.Tensors() {
		values, err := f.Float32(info.Name)
		if err != nil {
			return err
		}
		t, err := gguf.NewTensor(info.Name, gguf.TypeF32, info.Dims, values)
		if err != nil {
			return err
		}
		list = append(list, t)
	}
	return gguf.WriteFile(dst, meta, list)
}

// llamaCppLogits runs testdata/llamacpp_logits.py on a GGUF file and returns
// the logits it wrote to out.
func llamaCppLogits(t *testing.T, python, file, idsFile, out string) []float32 {
	t.Helper()
	cmd := exec.Command(python, filepath.Join("testdata", "llamacpp_logits.py"), file, idsFile, out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("llamacpp_logits.py %s: %v\n%s", file, err, msg)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	logits := make([]float32, len(raw)/4)
	if _, err := binary.Decode(raw, binary.LittleEndian, logits); err != nil {
		t.Fatal(err)
	}
	return logits
}

// argmax returns the index of the largest value.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
