package gguf

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the header reader: it must return a
// File or an error, never panic, and never allocate more than the input
// justifies. What it accepts must then read and dequantize without
// panicking. Run it with
//
//	go test ./builtins/gguf -run '^$' -fuzz FuzzOpen -fuzztime 20s
func FuzzOpen(f *testing.F) {
	golden, err := os.ReadFile("testdata/python.gguf")
	if err != nil {
		f.Fatal(err)
	}
	meta, tensors := goloraFile(f)
	var written bytes.Buffer
	if err := Write(&written, meta, tensors); err != nil {
		f.Fatal(err)
	}
	for _, file := range [][]byte{golden, written.Bytes()} {
		f.Add(file)
		for _, n := range []int{0, 7, 8, 24, 40, 100, 333, 1000, len(file) / 2, len(file) - 1} {
			f.Add(file[:min(n, len(file))])
		}
	}
	f.Add(header(1, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueArray)).u64(1).u32(uint32(ValueString)).u64(1).str("v").
		tensorInfo("t", TypeQ4_0, 0, 32).pad(64).Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := NewFile(bytes.NewReader(data), int64(len(data)), "fuzz.gguf")
		if err != nil {
			var re *readError
			if !errors.Is(err, ErrFormat) && !errors.As(err, &re) {
				t.Fatalf("error that is neither ErrFormat nor a read error: %v", err)
			}
			return
		}
		for _, kv := range file.Metadata() {
			file.String(kv.Key)
			file.Uint(kv.Key)
			file.Int(kv.Key)
			file.Float(kv.Key)
			file.Ints(kv.Key)
			file.Int32s(kv.Key)
			file.Float32s(kv.Key)
			file.Strings(kv.Key)
		}
		for _, info := range file.Tensors() {
			if info.Offset+info.Size > int64(len(data)) {
				t.Fatalf("tensor %q ends at %d, past the %d bytes", info.Name, info.Offset+info.Size, len(data))
			}
			if _, err := file.TensorData(info.Name); err != nil {
				t.Fatal(err)
			}
			if info.Type.CanDequantize() {
				values, err := file.Float32(info.Name)
				if err != nil || len(values) != info.NumElements() {
					t.Fatalf("tensor %q: %d values, %v", info.Name, len(values), err)
				}
			}
		}
	})
}
