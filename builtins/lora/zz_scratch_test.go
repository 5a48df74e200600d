package lora

import (
	"math"
	"path/filepath"
	"sort"
	"testing"

	"github.com/golora/golora/builtins/llama"
)

func TestScratchPositions(t *testing.T) {
	python := llamaCppPython(t)
	path := smolLM2(t)
	m, _ := llama.Load(path)
	dir := t.TempDir()
	ids := probeIDs(m.Config.VocabSize, 64)
	V := m.Config.VocabSize
	for _, seed := range []uint64{1, 3} {
		a := randomAdapter(t, m, false, []string{"q_proj", "k_proj", "v_proj", "o_proj"}, seed, 0.05)
		merged, _ := Merge(m, a)
		file := filepath.Join(dir, "mq41.gguf")
		merged.SaveGGUF(file, "base")
		runs := []llamaCppRun{{Model: path}, {Model: file}}
		ref := llamaCppLogits(t, python, dir, ids, runs)
		back, _ := llama.Load(file)
		on := logitsOf(t, back, ids)
		plain := logitsOf(t, m, ids)
		for k, pair := range [][2][]float32{{ref[0], plain}, {ref[1], on}} {
			var per []float64
			for p := range ids {
				w := 0.0
				for v := 0; v < V; v++ {
					w = math.Max(w, math.Abs(float64(pair[0][p*V+v]-pair[1][p*V+v])))
				}
				per = append(per, w)
			}
			sort.Float64s(per)
			t.Logf("seed %d case %d: per-position max, sorted top: %.2f %.2f %.2f %.2f median %.2f", seed, k, per[63], per[62], per[61], per[60], per[32])
		}
	}
}
