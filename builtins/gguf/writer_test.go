package gguf

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestWriteMatchesPython writes what make_golden.py gave gguf.GGUFWriter
// (the metadata, and each tensor quantized by golora from the same float32
// values where Python quantized them): the file must be Python's, byte for
// byte.
func TestWriteMatchesPython(t *testing.T) {
	g := readPythonGolden(t)
	var tensors []Tensor
	for _, r := range g.Tensors {
		typ := typeByName(t, r.Type)
		if r.Source == nil {
			tensors = append(tensors, Tensor{Name: r.Name, Type: typ, Dims: r.Dims, Data: r.Data})
			continue
		}
		tensor, err := NewTensor(r.Name, typ, r.Dims, float32s(r.Source))
		if err != nil {
			t.Fatal(err)
		}
		tensors = append(tensors, tensor)
	}
	var buf bytes.Buffer
	if err := Write(&buf, kvs(t, g.Metadata), tensors); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/python.gguf")
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.Bytes(); !bytes.Equal(got, want) {
		n := 0
		for n < min(len(got), len(want)) && got[n] == want[n] {
			n++
		}
		t.Fatalf("written file differs from Python's at byte %d (sizes %d and %d)", n, len(got), len(want))
	}
}

// goloraFile is metadata and tensors that exercise the writer: every
// value type, empty and nested arrays, and tensors of the types it
// quantizes to, plus raw Q4_K blocks.
func goloraFile(t testing.TB) ([]KV, []Tensor) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	values := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	meta := []KV{
		{"general.architecture", "llama"},
		{"general.name", "golora test ✓"},
		{"llama.block_count", uint32(2)},
		{"llama.rope.freq_base", float32(10000)},
		{"u8", uint8(255)}, {"i8", int8(-1)}, {"u16", uint16(65535)}, {"i16", int16(-2)},
		{"i32", int32(-3)}, {"u64", uint64(1 << 63)}, {"i64", int64(-4)}, {"f64", math.Pi},
		{"bool", true}, {"empty.string", ""},
		{"tokens", []string{"<s>", "</s>", "▁a", ""}},
		{"scores", []float32{0, -1.5, float32(math.Inf(-1))}},
		{"token_type", []int32{3, 3, 1, 1}},
		{"bytes", []uint8{0, 1, 2}}, {"bools", []bool{false, true}},
		{"u16s", []uint16{1}}, {"i16s", []int16{-1}}, {"i8s", []int8{-7}}, {"u32s", []uint32{9}},
		{"u64s", []uint64{1<<64 - 1}}, {"i64s", []int64{-1 << 63}}, {"f64s", []float64{0.25}},
		{"empty.array", []int32{}},
		{"nested", []any{[]uint8{1}, []any{[]string{"deep"}}, []float64{}}},
	}
	blocks := make([]byte, 2*TypeQ4_K.BlockBytes())
	for i := range blocks {
		blocks[i] = byte(rng.Uint32())
	}
	for b := range 2 { // Finite half scales d and dmin.
		copy(blocks[b*144:], []byte{0x00, 0x3c, 0x66, 0x2e})
	}
	var tensors []Tensor
	for _, c := range []struct {
		name string
		typ  Type
		dims []int
	}{
		{"token_embd.weight", TypeQ8_0, []int{64, 3}},
		{"output_norm.weight", TypeF32, []int{64}},
		{"blk.0.attn_q.weight", TypeF16, []int{8, 4}},
		{"blk.0.attn_k.weight", TypeBF16, []int{2, 2, 3}},
		{"blk.0.ffn_up.weight", TypeQ8_0, []int{32, 1, 2, 2}},
	} {
		n := 1
		for _, d := range c.dims {
			n *= d
		}
		tensor, err := NewTensor(c.name, c.typ, c.dims, values(n))
		if err != nil {
			t.Fatal(err)
		}
		tensors = append(tensors, tensor)
	}
	tensors = append(tensors, Tensor{Name: "blk.0.ffn_down.weight", Type: TypeQ4_K, Dims: []int{256, 2}, Data: blocks})
	return meta, tensors
}

// writeGolora writes goloraFile to a temporary file.
func writeGolora(t *testing.T) (string, []KV, []Tensor) {
	t.Helper()
	meta, tensors := goloraFile(t)
	path := filepath.Join(t.TempDir(), "golora.gguf")
	if err := WriteFile(path, meta, tensors); err != nil {
		t.Fatal(err)
	}
	return path, meta, tensors
}

// TestWriteRead reads back what golora wrote: every key, value and tensor.
func TestWriteRead(t *testing.T) {
	path, meta, tensors := writeGolora(t)
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Alignment() != DefaultAlignment || f.Version() != Version {
		t.Errorf("alignment %d, version %d", f.Alignment(), f.Version())
	}
	sameMetadata(t, f, meta)
	got := f.Tensors()
	if len(got) != len(tensors) {
		t.Fatalf("%d tensors, want %d", len(got), len(tensors))
	}
	for i, w := range tensors {
		if g := got[i]; g.Name != w.Name || g.Type != w.Type || !slices.Equal(g.Dims, w.Dims) || g.Offset%DefaultAlignment != 0 {
			t.Errorf("tensor %d: %+v, want %s %s %v", i, g, w.Name, w.Type, w.Dims)
		}
		data, err := f.TensorData(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, w.Data) {
			t.Errorf("%s: bytes differ", w.Name)
		}
	}
}

// TestPythonReadsGoloraFile has gguf.GGUFReader (through $GOLORA_PYTHON)
// read a file golora wrote: the same keys, values and tensors, and
// gguf.quants.dequantize of each tensor equal to golora's.
func TestPythonReadsGoloraFile(t *testing.T) {
	path, meta, tensors := writeGolora(t)
	ref := dumpReference(t, path, true, "")
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ref.Alignment != DefaultAlignment || ref.DataOffset != f.DataOffset() {
		t.Errorf("Python: alignment %d, data at %d; golora: %d, %d", ref.Alignment, ref.DataOffset, DefaultAlignment, f.DataOffset())
	}
	sameMetadata(t, f, kvs(t, ref.Metadata))
	sameMetadata(t, f, meta)
	checkTensors(t, f, ref.Tensors)
	for i, w := range tensors {
		if !bytes.Equal(ref.Tensors[i].Data, w.Data) {
			t.Errorf("%s: Python reads other bytes", w.Name)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ok, _ := NewTensor("ok", TypeF32, []int{2}, []float32{1, 2})
	for _, c := range []struct {
		meta    []KV
		tensors []Tensor
		want    string
	}{
		{[]KV{{"a", 1}}, nil, `key "a": a int has no GGUF type`},
		{[]KV{{"a", []int{1}}}, nil, `key "a": a []int has no GGUF type`},
		{[]KV{{"a", []any{int32(1)}}}, nil, `element 0 of an array of arrays is a int32, not an array`},
		{[]KV{{"a", uint8(1)}, {"a", uint8(2)}}, nil, `key "a" appears twice`},
		{[]KV{{AlignmentKey, uint32(48)}}, nil, `want a uint32 power of two`},
		{[]KV{{AlignmentKey, uint64(64)}}, nil, `is uint64 64, want a uint32 power of two`},
		{nil, []Tensor{ok, ok}, `tensor "ok" appears twice`},
		{nil, []Tensor{{Name: "q", Type: TypeQ8_0, Dims: []int{16}, Data: make([]byte, 17)}}, `not a multiple of Q8_0's block of 32`},
		{nil, []Tensor{{Name: "s", Type: TypeF32, Dims: []int{3}, Data: make([]byte, 8)}}, `need 12 bytes, the data has 8`},
		{nil, []Tensor{{Name: "d", Type: TypeF32, Dims: []int{1, 1, 1, 1, 1}, Data: make([]byte, 4)}}, `5 dimensions, more than ggml's 4`},
		{nil, []Tensor{{Name: "u", Type: Type(77), Dims: []int{1}, Data: make([]byte, 4)}}, `unknown type 77`},
	} {
		err := Write(&bytes.Buffer{}, c.meta, c.tensors)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Write(%v, …): error %v, want %q", c.meta, err, c.want)
		}
	}
	if _, err := NewTensor("q", TypeQ4_K, []int{256}, make([]float32, 256)); err == nil || !strings.Contains(err.Error(), `tensor "q": gguf: cannot quantize to Q4_K`) {
		t.Errorf("NewTensor(Q4_K): %v", err)
	}
}

// TestWriteFileKeepsOldOnError checks that a failed WriteFile leaves the
// destination as it was.
func TestWriteFileKeepsOldOnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.gguf")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []KV{{"bad", 1}}, nil); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("destination now holds %q", b)
	}
}
