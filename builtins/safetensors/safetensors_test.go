package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// sameFloat32 compares float32 values by bits, treating all NaNs as equal.
func sameFloat32(got float32, wantBits uint32) bool {
	want := math.Float32frombits(wantBits)
	if math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got))
	}
	return math.Float32bits(got) == wantBits
}

func TestReadMatchesTorch(t *testing.T) {
	var expected struct {
		Metadata map[string]string
		Tensors  map[string]struct {
			Shape       []int
			Float32Bits []uint32 `json:"float32_bits"`
			Int64       []int64
		}
	}
	readJSON(t, "testdata/dtypes.json", &expected)
	f, err := Open("testdata/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Metadata(); !equalMaps(got, expected.Metadata) {
		t.Errorf("metadata %v, want %v", got, expected.Metadata)
	}
	if len(f.Names()) != len(expected.Tensors) {
		t.Errorf("names %v, want %d tensors", f.Names(), len(expected.Tensors))
	}
	for name, want := range expected.Tensors {
		info, ok := f.Tensor(name)
		if !ok {
			t.Fatalf("tensor %q missing", name)
		}
		if !slices.Equal(info.Shape, want.Shape) {
			t.Errorf("%s: shape %v, want %v", name, info.Shape, want.Shape)
		}
		got, err := f.Float32s(name)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want.Float32Bits) {
			t.Fatalf("%s: %d values, want %d", name, len(got), len(want.Float32Bits))
		}
		for i, v := range got {
			if !sameFloat32(v, want.Float32Bits[i]) {
				t.Errorf("%s[%d] = %v, want %v", name, i, v, math.Float32frombits(want.Float32Bits[i]))
			}
		}
		if want.Int64 != nil {
			ints, err := f.Int64s(name)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ints, want.Int64) {
				t.Errorf("%s: ints %v, want %v", name, ints, want.Int64)
			}
		}
	}
	if _, err := f.Int64s("f32"); err == nil {
		t.Error("Int64s of a float tensor: no error")
	}
	if _, err := f.Float32s("missing"); err == nil || !strings.Contains(err.Error(), `"missing"`) {
		t.Errorf("missing tensor: error %v", err)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestWriteMatchesPython(t *testing.T) {
	var spec struct {
		Metadata map[string]string
		Tensors  []struct {
			Name        string
			DType       DType
			Shape       []int
			Float32Bits []uint32 `json:"float32_bits"`
		}
	}
	readJSON(t, "testdata/written.json", &spec)
	var tensors []Tensor
	for _, s := range spec.Tensors {
		values := make([]float32, len(s.Float32Bits))
		for i, b := range s.Float32Bits {
			values[i] = math.Float32frombits(b)
		}
		tensor, err := Float32Tensor(s.Name, s.DType, s.Shape, values)
		if err != nil {
			t.Fatal(err)
		}
		tensors = append(tensors, tensor)
	}
	path := filepath.Join(t.TempDir(), "out.safetensors")
	if err := Write(path, tensors, spec.Metadata); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want, _ := os.ReadFile("testdata/written.safetensors")
	if !bytes.Equal(got, want) {
		n := 0
		for n < min(len(got), len(want)) && got[n] == want[n] {
			n++
		}
		t.Fatalf("written file differs from Python's at byte %d (sizes %d and %d)\ngot  %q\nwant %q",
			n, len(got), len(want), got[:min(len(got), n+40)], want[:min(len(want), n+40)])
	}
}

func TestWriteIsAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "adapter.safetensors")
	a, _ := Float32Tensor("a", F32, []int{2}, []float32{1, 2})
	meta := map[string]string{"b": "<&é\"\n", "a": "1"}
	if err := Write(path, []Tensor{a}, meta); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	bad := Tensor{Name: "b", DType: F32, Shape: []int{3}, Data: make([]byte, 8)}
	if err := Write(path, []Tensor{a, bad}, nil); err == nil || !strings.Contains(err.Error(), `"b"`) {
		t.Errorf("bad tensor: error %v", err)
	}
	if err := Write(path, []Tensor{a, a}, nil); err == nil {
		t.Error("duplicate tensor: no error")
	}
	if err := Write(filepath.Join(dir, "missing", "x.safetensors"), []Tensor{a}, nil); err == nil {
		t.Error("missing folder: no error")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed Write changed the existing file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after writes, want only the file", len(entries))
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.Float32s("a"); !slices.Equal(v, []float32{1, 2}) {
		t.Errorf("read back %v", v)
	}
	if !equalMaps(f.Metadata(), meta) {
		t.Errorf("metadata read back as %v", f.Metadata())
	}
}

func TestOpenDirSharded(t *testing.T) {
	var want map[string][]uint32
	readJSON(t, "testdata/sharded/expected.json", &want)
	s, err := OpenDir("testdata/sharded")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.Names(); len(got) != len(want) {
		t.Errorf("names %v", got)
	}
	for name, bits := range want {
		info, ok := s.Tensor(name)
		if !ok {
			t.Fatalf("tensor %q missing", name)
		}
		got := make([]float32, info.NumElements())
		if err := s.ReadFloat32(name, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !sameFloat32(got[i], bits[i]) {
				t.Errorf("%s[%d] = %v", name, i, got[i])
			}
		}
	}
	if _, err := OpenDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), IndexFile) {
		t.Errorf("empty folder: error %v", err)
	}
}

func TestOpenDirRejectsBadIndex(t *testing.T) {
	for name, index := range map[string]string{
		"escape":  `{"weight_map": {"x": "../model.safetensors"}}`,
		"missing": `{"weight_map": {"x": "model-00001-of-00002.safetensors"}}`,
		"empty":   `{"weight_map": {}}`,
		"json":    `{"weight_map": [`,
	} {
		dir := t.TempDir()
		shard, _ := os.ReadFile("testdata/sharded/model-00001-of-00002.safetensors")
		os.WriteFile(filepath.Join(dir, "model-00001-of-00002.safetensors"), shard, 0o644)
		os.WriteFile(filepath.Join(dir, IndexFile), []byte(index), 0o644)
		if _, err := OpenDir(dir); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// fileWithHeader returns a safetensors file with the given header and data.
func fileWithHeader(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func TestHostileFiles(t *testing.T) {
	good, err := os.ReadFile("testdata/dtypes.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "shorter than", nil},
		{"huge header length", "limit", huge},
		{"header past end", "past the end", good[:100]},
		{"truncated data", "outside", good[:len(good)-10]},
		{"not json", "JSON", fileWithHeader("{nope", nil)},
		{"not an object", "object", fileWithHeader("[1,2]", nil)},
		{"bad dtype", `"t"`, fileWithHeader(`{"t":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}}`, make([]byte, 1))},
		{"size mismatch", `"t"`, fileWithHeader(`{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4))},
		{"negative dim", `"t"`, fileWithHeader(`{"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, make([]byte, 4))},
		{"overflowing shape", `"t"`, fileWithHeader(`{"t":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,0]}}`, nil)},
		{"reversed offsets", `"t"`, fileWithHeader(`{"t":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}`, make([]byte, 4))},
		{"one offset", `"t"`, fileWithHeader(`{"t":{"dtype":"F32","shape":[1],"data_offsets":[4]}}`, make([]byte, 4))},
		{"overlap", "overlap", fileWithHeader(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8))},
		{"metadata not strings", "__metadata__", fileWithHeader(`{"__metadata__":{"a":1}}`, nil)},
		{"dim not integer", `"t"`, fileWithHeader(`{"t":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}`, make([]byte, 4))},
	}
	for _, c := range cases {
		_, err := NewFile(bytes.NewReader(c.data), int64(len(c.data)), "hostile.safetensors")
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "hostile.safetensors") {
			t.Errorf("%s: error %q, want ErrFormat naming the file and %q", c.name, err, c.want)
		}
	}
}

func TestHalfRoundTrip(t *testing.T) {
	for h := range 1 << 16 {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if back := Float32ToHalf(f); back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x", h, back)
			}
			continue
		}
		if back := Float32ToHalf(f); back != uint16(h) {
			t.Fatalf("half %#04x -> %v -> %#04x", h, f, back)
		}
		if back := Float32ToBFloat16(BFloat16ToFloat32(uint16(h))); !math.IsNaN(float64(BFloat16ToFloat32(uint16(h)))) && back != uint16(h) {
			t.Fatalf("bfloat16 %#04x -> %#04x", h, back)
		}
	}
}

func FuzzOpen(f *testing.F) {
	for _, name := range []string{"testdata/dtypes.safetensors", "testdata/written.safetensors", "testdata/sharded/model-00002-of-00002.safetensors"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(fileWithHeader(`{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := NewFile(bytes.NewReader(data), int64(len(data)), "fuzz")
		if err != nil {
			return
		}
		for _, name := range file.Names() {
			info, _ := file.Tensor(name)
			if info.Offset < 8 || info.Offset+info.Size > int64(len(data)) {
				t.Fatalf("tensor %q at [%d, %d) outside %d bytes", name, info.Offset, info.Offset+info.Size, len(data))
			}
			if _, err := file.Float32s(name); err != nil {
				t.Fatalf("tensor %q: %v", name, err)
			}
		}
	})
}
