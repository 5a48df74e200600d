package gguf

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pythonGolden is testdata/python.json: what make_golden.py gave
// gguf.GGUFWriter to write testdata/python.gguf.
type pythonGolden struct {
	Alignment int         `json:"alignment"`
	Metadata  []jsonKV    `json:"metadata"`
	Tensors   []refTensor `json:"tensors"`
}

func readPythonGolden(t *testing.T) pythonGolden {
	t.Helper()
	var g pythonGolden
	readJSON(t, "testdata/python.json", &g)
	return g
}

// sameMetadata compares a file's metadata with want, entry by entry.
func sameMetadata(t *testing.T, f *File, want []KV) {
	t.Helper()
	got := f.Metadata()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("entry %d: missing, want %q = %#v", i, want[i].Key, want[i].Value)
		case i >= len(want):
			t.Errorf("entry %d: extra %q = %#v", i, got[i].Key, got[i].Value)
		case !reflect.DeepEqual(got[i], want[i]):
			t.Errorf("entry %d: %q = %#v, want %q = %#v", i, got[i].Key, got[i].Value, want[i].Key, want[i].Value)
		}
	}
}

// checkTensors compares a file's tensors, their bytes and their
// dequantization with the reference.
func checkTensors(t *testing.T, f *File, want []refTensor) {
	t.Helper()
	got := f.Tensors()
	if len(got) != len(want) {
		t.Fatalf("%d tensors, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.Name || g.Type.String() != w.Type || !slices.Equal(g.Dims, w.Dims) || g.Offset != f.DataOffset()+w.Offset {
			t.Errorf("tensor %d: %s %s %v at %d, want %s %s %v at %d", i, g.Name, g.Type, g.Dims, g.Offset,
				w.Name, w.Type, w.Dims, f.DataOffset()+w.Offset)
			continue
		}
		if w.Data == nil {
			continue
		}
		data, err := f.TensorData(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(data, w.Data) {
			t.Errorf("tensor %s: bytes differ", w.Name)
		}
		values, err := f.Float32(w.Name)
		if err != nil {
			t.Fatal(err)
		}
		checkBits(t, w.Name, values, float32s(w.Float32))
	}
}

// TestReadPythonFile reads the file gguf.GGUFWriter wrote: every key,
// value and tensor as make_golden.py gave them.
func TestReadPythonFile(t *testing.T) {
	g := readPythonGolden(t)
	f, err := Open("testdata/python.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Version() != 3 || f.Alignment() != g.Alignment || f.DataOffset()%int64(g.Alignment) != 0 {
		t.Errorf("version %d, alignment %d, data at %d; want 3, %d, aligned", f.Version(), f.Alignment(), f.DataOffset(), g.Alignment)
	}
	sameMetadata(t, f, kvs(t, g.Metadata))
	checkTensors(t, f, g.Tensors)
	info, ok := f.Tensor("f32.3d")
	if !ok || !slices.Equal(info.Shape(), []int{2, 3, 4}) || info.NumElements() != 24 {
		t.Errorf("f32.3d: %+v, shape %v", info, info.Shape())
	}
	if info, _ := f.Tensor("scalar"); len(info.Dims) != 0 || info.NumElements() != 1 {
		t.Errorf("scalar: %+v", info)
	}
}

// TestAccessors reads typed values from the Python file, and checks that a
// wrong type is an error naming the key and the type found.
func TestAccessors(t *testing.T) {
	f, err := Open("testdata/python.gguf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	check := func(what string, got, want any, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		} else if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	s, err := f.String("general.architecture")
	check("String", s, "llama", err)
	u, err := f.Uint("t.uint8")
	check("Uint(uint8)", u, uint64(200), err)
	u, err = f.Uint("t.uint64")
	check("Uint(uint64)", u, uint64(1<<64-1), err)
	i, err := f.Int("t.int64")
	check("Int(int64)", i, int64(-1<<63), err)
	i, err = f.Int("t.int16")
	check("Int(int16)", i, int64(-30000), err)
	x, err := f.Float("t.float32")
	check("Float(float32)", x, float64(float32(0.1)), err)
	x, err = f.Float("t.uint16")
	check("Float(uint16)", x, 60000.0, err)
	b, err := f.Bool("t.bool.true")
	check("Bool", b, true, err)
	ss, err := f.Strings("t.array.string")
	check("Strings", ss, []string{"a", "", "Ġ t", "<|im_end|>"}, err)
	is, err := f.Ints("t.array.int8")
	check("Ints(int8)", is, []int{-128, 0, 127}, err)
	is, err = f.Ints("t.array.uint32")
	check("Ints(uint32)", is, []int{0, 1<<32 - 1, 7}, err)
	i32, err := f.Int32s("t.array.int32")
	check("Int32s", i32, []int32{-1, 2, -1 << 31}, err)
	fs, err := f.Float32s("t.array.float32")
	check("Float32s", fs, []float32{0.1, -2.5, 1e-30}, err)
	v, err := f.Value("t.array.nested")
	check("Value(nested)", v, []any{[]int32{1, 2, 3}, []string{"x", "y"}, []float32{0.5}}, err)

	for _, c := range []struct {
		call func() error
		want string
	}{
		{func() error { _, err := f.Uint("t.int8"); return err }, `key "t.int8" is int8 -100, want a non-negative integer`},
		{func() error { _, err := f.Int("t.uint64"); return err }, `key "t.uint64" is uint64 18446744073709551615, beyond int64`},
		{func() error { _, err := f.String("t.uint32"); return err }, `key "t.uint32" is uint32, want a string`},
		{func() error { _, err := f.Uint("t.string"); return err }, `key "t.string" is string, want an integer`},
		{func() error { _, err := f.Strings("t.array.int32"); return err }, `key "t.array.int32" is array of int32, want an array of string`},
		{func() error { _, err := f.Int32s("t.array.uint32"); return err }, `key "t.array.uint32": element 1, 4294967295, is out of range`},
		{func() error { _, err := f.Ints("t.array.uint64"); return err }, `key "t.array.uint64": element 0, 18446744073709551615, is out of range`},
		{func() error { _, err := f.Float32s("t.array.float64"); return err }, `is array of float64, want an array of float32`},
		{func() error { _, err := f.Bool("t.array.bool"); return err }, `is array of bool, want a bool`},
		{func() error { _, err := f.Float("t.string"); return err }, `is string, want a number`},
	} {
		err := c.call()
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "testdata/python.gguf") {
			t.Errorf("error %v, want one naming the file and saying %q", err, c.want)
		}
	}
	if _, err := f.Uint("llama.block_count"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"llama.block_count"`) {
		t.Errorf("missing key: %v", err)
	}
	if _, ok := f.Lookup("llama.block_count"); ok {
		t.Error("Lookup of a missing key: found")
	}
	if _, err := f.Float32("missing"); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `tensor "missing"`) {
		t.Errorf("missing tensor: %v", err)
	}
	if err := f.ReadFloat32("f32", make([]float32, 5)); err == nil || !strings.Contains(err.Error(), "6 elements, the destination 5") {
		t.Errorf("ReadFloat32 into a short slice: %v", err)
	}
}
