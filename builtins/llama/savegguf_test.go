package llama

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/gguf"
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
	m, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f32 := filepath.Join(dir, "f32.gguf")
	if err := m.SaveGGUF(f32, "f32"); err != nil {
		t.Fatal(err)
	}
	back, err := Load(f32)
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
	m, err := Load(filepath.Join("testdata", "models", "gqa"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.gguf")
	for _, c := range []struct{ typ, want string }{
		{"f16", "only models loaded from GGUF can be written as GGUF for now"},
		{"q4_k", `type "q4_k": want f32, f16, bf16, q8_0, or base`},
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
