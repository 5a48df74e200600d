package llama

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
)

// TestBFloat16Weights saves a bfloat16 copy of a test model, loads it with
// its matrices kept in bfloat16, and checks the logits against the float32
// model's (within bfloat16's rounding, and not equal: the products did use
// the rounded weights), greedy generation, the summary, and what the
// weights take in memory.
func TestBFloat16Weights(t *testing.T) {
	m32, e := testModel(t, "gqa")
	dir := filepath.Join(t.TempDir(), "bf16")
	if err := m32.Save(dir, "bfloat16"); err != nil {
		t.Fatal(err)
	}
	m16, err := Load(context.Background(), dir, Options{DType: "bfloat16"})
	if err != nil {
		t.Fatal(err)
	}
	if m16.WeightDType() != "bfloat16" || GraphOf(m16).Weight(layerTensor(0, "self_attn.q_proj")).DType() != dtypes.BFloat16 {
		t.Fatalf("weights in %s", m16.WeightDType())
	}
	if d := GraphOf(m16).Weight(normName).DType(); d != dtypes.Float32 {
		t.Errorf("the final norm is in %s, want float32", d)
	}
	batch := Batch{Tokens: e.InputIDs, Mask: e.AttentionMask, Labels: e.Labels}
	out32, err := m32.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	out16, err := m16.Forward(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	worst, scale := maxDiff(out16.Logits, out32.Logits)
	if worst == 0 || worst > 0.05*scale {
		t.Errorf("bfloat16 logits differ from float32's by %g (largest |logit| %g)", worst, scale)
	}
	if math.Abs(out16.Loss-out32.Loss) > 0.01*out32.Loss {
		t.Errorf("loss %v in bfloat16, %v in float32", out16.Loss, out32.Loss)
	}
	if _, err := m16.GenerateIDs(context.Background(), e.InputIDs[0][:4], GenOptions{MaxNewTokens: 4}, nil); err != nil {
		t.Errorf("generation in bfloat16: %v", err)
	}
	if s := m16.String(); !strings.Contains(s, "in bfloat16 (stored as bfloat16)") {
		t.Errorf("summary:\n%s", s)
	}
	if _, err := Load(context.Background(), dir, Options{DType: "int8"}); err == nil || !strings.Contains(err.Error(), `want "float32", "bfloat16"`) {
		t.Errorf("DType int8: %v", err)
	}
	t.Logf("logits within %.2g of float32's (largest %.2g); loss %v against %v", worst, scale, out16.Loss, out32.Loss)
}

// TestHalfWeightsMemory measures the memory a model's weights take, each
// dtype in a process of its own (so that no buffer pool or earlier test
// skews it): in bfloat16 about half of float32's.
func TestHalfWeightsMemory(t *testing.T) {
	cfg := Config{HiddenSize: 256, IntermediateSize: 688, NumLayers: 4, NumHeads: 8, NumKVHeads: 4, HeadDim: 32,
		VocabSize: 8192, RMSNormEps: 1e-5, RopeTheta: 10000, MaxPositionEmbeddings: 512, BOS: -1}
	if dt := os.Getenv("GOLORA_TEST_WEIGHTS_DTYPE"); dt != "" {
		measure := func() int64 {
			runtime.GC()
			var s runtime.MemStats
			runtime.ReadMemStats(&s)
			return int64(s.HeapInuse)
		}
		before := measure()
		m, err := NewRandom(cfg, 1, Options{DType: dt})
		if err != nil {
			t.Fatal(err)
		}
		after := measure()
		runtime.KeepAlive(m)
		fmt.Printf("heap %d bytes %d\n", after-before, m.MemoryBytes())
		return
	}
	heap := func(dt string) (int64, int64) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHalfWeightsMemory$")
		cmd.Env = append(os.Environ(), "GOLORA_TEST_WEIGHTS_DTYPE="+dt)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", dt, err, out)
		}
		var h, b int64
		for _, line := range strings.Split(string(out), "\n") {
			if _, err := fmt.Sscanf(line, "heap %d bytes %d", &h, &b); err == nil {
				return h, b
			}
		}
		t.Fatalf("%s: no measure in\n%s", dt, out)
		return 0, 0
	}
	if c := chooseBackend(); c.name != "go" {
		// XLA keeps its buffers in the C heap, next to the plugin's own
		// allocations, which a model's first use makes.
		t.Skipf("the weights' memory is measured on the Go backend, whose buffers are Go's heap (backend %s)", c)
	}
	h32, b32 := heap("float32")
	h16, b16 := heap("bfloat16")
	if r := float64(b16) / float64(b32); r > 0.51 || r < 0.49 {
		t.Errorf("MemoryBytes: %d in bfloat16, %d in float32", b16, b32)
	}
	if r := float64(h16) / float64(h32); r > 0.6 || h32 < b32*9/10 {
		t.Errorf("heap: %d bytes in bfloat16, %d in float32 (ratio %.2f); MemoryBytes %d and %d", h16, h32, r, b16, b32)
	}
	t.Logf("heap in use: %.1f MiB in float32, %.1f MiB in bfloat16 (MemoryBytes %.1f and %.1f MiB)",
		float64(h32)/(1<<20), float64(h16)/(1<<20), float64(b32)/(1<<20), float64(b16)/(1<<20))
}
