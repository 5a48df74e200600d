package llama

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/gguf"
	"github.com/golora/golora/builtins/safetensors"
	"github.com/golora/golora/internal/testfiles"
)

// TestSaveGGUFRoundTrip writes SmolLM2's Q4_1 model back as GGUF and reads
// it again: as F32 every weight comes back bit for bit (the q/k rows
// permuted back as the loader undoes them), and in the base's types the
// file's tensors are those of the source, byte for byte (requantizing
// dequantized Q4_1 and Q8_0 blocks gives the same blocks), under the same
// metadata.
func TestSaveGGUFRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 135M-parameter model")
	}
	path := testfiles.SmolLM2(t)
	m, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f32 := filepath.Join(dir, "f32.gguf")
	if err := m.SaveGGUF(f32, "f32"); err != nil {
		t.Fatal(err)
	}
	back, err := Load(context.Background(), f32)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range m.WeightNames() {
		want, _ := m.WeightValues(name)
		got, err := back.WeightValues(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("f32: %s[%d] = %v, want %v", name, i, got[i], want[i])
			}
		}
	}
	if ft := fileType(t, f32); ft != 0 {
		t.Errorf("f32: general.file_type %d, want 0 (ALL_F32)", ft)
	}

	same := filepath.Join(dir, "base.gguf")
	if err := m.SaveGGUF(same, "base"); err != nil {
		t.Fatal(err)
	}
	src, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out, err := gguf.Open(same)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if len(out.Metadata()) != len(src.Metadata()) {
		t.Errorf("%d metadata keys, the source %d", len(out.Metadata()), len(src.Metadata()))
	}
	if len(out.Tensors()) != len(src.Tensors()) {
		t.Fatalf("%d tensors, the source %d", len(out.Tensors()), len(src.Tensors()))
	}
	for i, info := range src.Tensors() {
		got := out.Tensors()[i]
		if got.Name != info.Name || got.Type != info.Type {
			t.Fatalf("tensor %d: %s %s, the source %s %s", i, got.Name, got.Type, info.Name, info.Type)
		}
		a, _ := src.TensorData(info.Name)
		b, err := out.TensorData(info.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s (%s): bytes differ from the source's", info.Name, info.Type)
		}
	}
}

// fileType returns a GGUF file's general.file_type.
func fileType(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ft, err := f.Uint("general.file_type")
	if err != nil {
		t.Fatal(err)
	}
	return ft
}

func TestSaveGGUFErrors(t *testing.T) {
	m, err := Load(context.Background(), filepath.Join("testdata", "models", "gqa"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.gguf")
	for _, c := range []struct{ typ, want string }{
		{"f16", "only models loaded from GGUF can be written as GGUF for now"},
		{"q4_k", `type "q4_k": want "" (the source file's types, Q8_0 where they lose a change), "base"`},
	} {
		if err := m.SaveGGUF(out, c.typ); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SaveGGUF(%q): error %v, want %q", c.typ, err, c.want)
		}
	}
	gone := m.WithAdapter(nil)
	gone.Dir = filepath.Join(t.TempDir(), "moved.gguf")
	if err := gone.SaveGGUF(out, "f16"); err == nil || !strings.Contains(err.Error(), "the source file, whose metadata it copies") {
		t.Errorf("SaveGGUF of a model whose file is gone: error %v", err)
	}
}

// TestSaveGGUFChangedQuantized changes two of SmolLM2's Q4_1 matrices as
// a merge would and saves the model in the base's types: the unchanged
// tensors are the source's bytes; a change of under a third of a step
// leaves a matrix's bytes as they were, and one of three steps moves the
// blocks it touches and no others. SaveGGUF's note gives the share of the
// change kept: the three-step change's share of the energy, since the
// small one is lost.
func TestSaveGGUFChangedQuantized(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a 135M-parameter model")
	}
	path := testfiles.SmolLM2(t)
	m, err := Load(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	src, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// v_proj has no row permutation: its values are the file's in order.
	small, large := "model.layers.0.self_attn.v_proj.weight", "model.layers.1.self_attn.v_proj.weight"
	// step moves each weight of the first blocks of name by frac of its
	// block's step, towards the middle of the block's range so that it
	// stays in range, and returns the change's energy Σ Δ².
	step := func(name string, frac float32, blocks int) float64 {
		g, _ := GGUFName(name)
		data, err := src.TensorData(g)
		if err != nil {
			t.Fatal(err)
		}
		w, err := m.WeightValues(name)
		if err != nil {
			t.Fatal(err)
		}
		energy := 0.0
		for b := range blocks {
			d := safetensors.HalfToFloat32(binary.LittleEndian.Uint16(data[b*20:]))
			lo := safetensors.HalfToFloat32(binary.LittleEndian.Uint16(data[b*20+2:]))
			for i := b * 32; i < b*32+32; i++ {
				delta := frac * d
				if w[i]-lo > 7.5*d {
					delta = -delta
				}
				w[i] += delta
				energy += float64(delta) * float64(delta)
			}
		}
		if err := m.SetWeightValues(name, w); err != nil {
			t.Fatal(err)
		}
		return energy
	}
	lost := step(small, 0.3, 3456) // Every block of v_proj (192 × 576).
	kept := step(large, 3, 4)
	dir := t.TempDir()
	strict, loose := filepath.Join(dir, "base.gguf"), filepath.Join(dir, "default.gguf")
	note := captureStdout(t, func() {
		if err := m.SaveGGUF(strict, "base"); err != nil {
			t.Fatal(err)
		}
	})
	looseNote := captureStdout(t, func() {
		if err := m.SaveGGUF(loose, ""); err != nil {
			t.Fatal(err)
		}
	})
	gSmall, _ := GGUFName(small)
	gLarge, _ := GGUFName(large)
	// In "base" and in "" (but for the small change's matrix, which ""
	// widens to Q8_0), every tensor is the source's but for the blocks of
	// three steps.
	for _, file := range []string{strict, loose} {
		out, err := gguf.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		for _, info := range src.Tensors() {
			a, _ := src.TensorData(info.Name)
			b, err := out.TensorData(info.Name)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := out.Tensor(info.Name)
			want := info.Type
			if file == loose && info.Name == gSmall {
				want = gguf.TypeQ8_0
			}
			switch {
			case got.Type != want:
				t.Errorf("%s: %s: %s, want %s", filepath.Base(file), info.Name, got.Type, want)
			case info.Name == gLarge:
				for blk := 0; blk*20 < len(a); blk++ {
					moved := !bytes.Equal(a[blk*20:blk*20+20], b[blk*20:blk*20+20])
					if moved != (blk < 4) {
						t.Errorf("%s: %s block %d: changed %v, want %v", filepath.Base(file), info.Name, blk, moved, blk < 4)
					}
				}
			case want == info.Type && !bytes.Equal(a, b):
				t.Errorf("%s: %s: bytes differ from the source's (changed by under a third of a step: %v)", filepath.Base(file), info.Name, info.Name == gSmall)
			}
		}
	}
	t.Logf("base: %s", note)
	t.Logf("\"\": %s", looseNote)
	if !strings.Contains(note, "2 changed matrices are in Q4_1") || !strings.Contains(note, `"q8_0"`) {
		t.Errorf("note %q: want the count, the type, the share kept and the way out", note)
	}
	if want := 100 * kept / (kept + lost); math.Abs(shareIn(t, note)-want) > 1 {
		t.Errorf("note: %.0f%% kept, want %.1f%% (the three-step change's share of the energy)", shareIn(t, note), want)
	}
	if !strings.Contains(looseNote, "1 changed matrix is Q8_0, not the base's Q4_1") || shareIn(t, looseNote) > 1 {
		t.Errorf("note %q: want one matrix widened to Q8_0, whose change Q4_1 keeps none of", looseNote)
	}
}

// shareIn returns the percentage after "keeps" or "keeps only" in a note.
func shareIn(t *testing.T, note string) float64 {
	t.Helper()
	i := strings.Index(note, "keeps ")
	if i < 0 {
		t.Fatalf("note %q: no share kept", note)
	}
	var share float64
	if _, err := fmt.Sscanf(strings.TrimPrefix(note[i+len("keeps "):], "only "), "%g%%", &share); err != nil {
		t.Fatalf("note %q: no share kept: %v", note, err)
	}
	return share
}
