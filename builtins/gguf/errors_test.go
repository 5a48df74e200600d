package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"testing"
)

// hdr builds GGUF bytes by hand, hostile ones included.
type hdr struct{ bytes.Buffer }

func (h *hdr) u32(v uint32) *hdr {
	h.Write(binary.LittleEndian.AppendUint32(nil, v))
	return h
}

func (h *hdr) u64(v uint64) *hdr {
	h.Write(binary.LittleEndian.AppendUint64(nil, v))
	return h
}

func (h *hdr) str(s string) *hdr {
	h.u64(uint64(len(s)))
	h.WriteString(s)
	return h
}

func (h *hdr) pad(n int) *hdr {
	h.Write(make([]byte, n))
	return h
}

// header starts a version 3 file with the given counts.
func header(nTensors, nKV uint64) *hdr {
	h := &hdr{}
	h.WriteString("GGUF")
	return h.u32(3).u64(nTensors).u64(nKV)
}

// tensorInfo appends a tensor info.
func (h *hdr) tensorInfo(name string, typ Type, offset uint64, dims ...uint64) *hdr {
	h.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		h.u64(d)
	}
	return h.u32(uint32(typ)).u64(offset)
}

func openBytes(b []byte) (*File, error) {
	return NewFile(bytes.NewReader(b), int64(len(b)), "bad.gguf")
}

// TestMalformedFiles checks that each kind of bad header is an error
// naming the file, what is wrong and where.
func TestMalformedFiles(t *testing.T) {
	nested := header(0, 1).str("deep")
	nested.u32(uint32(ValueArray))
	for range maxNesting + 1 {
		nested.u32(uint32(ValueArray)).u64(1)
	}
	nested.u32(uint32(ValueUint8)).u64(0)

	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "0 bytes, shorter than the 8-byte GGUF preamble: the file is truncated at byte 0"},
		{"not gguf", []byte("PK\x03\x04zip file"), `not a GGUF file: it starts with "PK\x03\x04"`},
		{"legacy ggjt", []byte("tjgg\x03\x00\x00\x00........"), "legacy GGML file"},
		{"version 1", append([]byte("GGUF\x01\x00\x00\x00"), make([]byte, 16)...), "GGUF version 1 (32-bit counts, from 2023): golora reads versions 2 and 3"},
		{"version 4", append([]byte("GGUF\x04\x00\x00\x00"), make([]byte, 16)...), "GGUF version 4: golora reads versions 2 and 3"},
		{"big-endian", append([]byte("GGUF\x00\x00\x00\x03"), make([]byte, 16)...), "big-endian (its version reads 0x03000000; byte-swapped it is 3): golora reads little-endian GGUF only; convert it with the gguf Python package's `gguf-convert-endian FILE little`"},
		{"truncated counts", []byte("GGUF\x03\x00\x00\x00\x01\x00"), "tensor count: the file is truncated at byte 10 (8 bytes are needed at byte 8): download it again"},
		{"kv count", header(0, 1<<60).Bytes(), "the header claims 1152921504606846976 metadata entries, more than the 0 bytes after it can hold"},
		{"tensor count", header(1<<40, 0).Bytes(), "the header claims 1099511627776 tensors"},
		{"key length", header(0, 1).u64(1 << 62).pad(8).Bytes(), "metadata entry 0 (byte 24): key: a string of 4611686018427387904 bytes at byte 24 runs past the end: the file is truncated"},
		{"string length", header(0, 1).str("k").u32(uint32(ValueString)).u64(1<<63 + 5).Bytes(), `key "k" (byte 24): a string of 9223372036854775813 bytes at byte 37 runs past the end`},
		{"array length", header(0, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueUint32)).u64(1 << 61).Bytes(), `key "k" (byte 24): an array of 2305843009213693952 uint32 values at byte 37 runs past the end`},
		{"array of strings", header(0, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueString)).u64(3).str("a").Bytes(), `key "k" (byte 24): an array of 3 string values at byte 37 runs past the end`},
		{"string in array", header(0, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueString)).u64(2).str("a").u64(100).Bytes(), `key "k" (byte 24): element 1: a string of 100 bytes at byte 58 runs past the end`},
		{"long string", header(0, 1).str("k").u32(uint32(ValueString)).u64(maxString + 1).pad(maxString + 1).Bytes(), `key "k" (byte 24): a string of 67108865 bytes at byte 37, more than the 64 MiB golora allows: the file is corrupt; download it again`},
		{"long array", header(0, 1).str("k").u32(uint32(ValueArray)).u32(uint32(ValueBool)).u64(maxArray + 1).pad(maxArray + 1).Bytes(), `key "k" (byte 24): an array of 16777217 bool values at byte 37, more than the 16777216 elements golora allows`},
		{"value type", header(0, 1).str("k").u32(13).pad(8).Bytes(), `key "k" (byte 24): unknown value type 13 at byte 33`},
		{"element type", header(0, 1).str("k").u32(uint32(ValueArray)).u32(99).u64(0).Bytes(), `array at byte 37 has unknown element type 99`},
		{"nesting", nested.Bytes(), `key "deep" (byte 24): element 0: element 0:`},
		{"duplicate key", header(0, 2).str("k").u32(uint32(ValueUint8)).pad(1).str("k").u32(uint32(ValueUint8)).pad(1).Bytes(), `key "k" appears twice (again at byte 38)`},
		{"alignment type", header(0, 1).str(AlignmentKey).u32(uint32(ValueUint64)).u64(32).Bytes(), `key "general.alignment" is uint64, want uint32`},
		{"alignment value", header(0, 1).str(AlignmentKey).u32(uint32(ValueUint32)).u32(24).Bytes(), `key "general.alignment" is 24, want a power of two`},
		{"dims", header(1, 0).tensorInfo("w", TypeF32, 0, 1, 1, 1, 1, 1).Bytes(), `tensor "w" (byte 24): 5 dimensions, more than ggml's 4`},
		{"dims too large", header(1, 0).tensorInfo("w", TypeF32, 0, 1<<20, 1<<20).pad(64).Bytes(), `tensor "w" (byte 24): dimensions [1048576 1048576] of F32 need more bytes than the whole 129-byte file: the file is truncated or corrupt; download it again`},
		{"dims overflow", header(1, 0).tensorInfo("w", TypeF32, 0, 1<<32, 1<<32, 1<<32).Bytes(), `dimensions [4294967296 4294967296 4294967296]: their product overflows`},
		{"dims product", header(1, 0).tensorInfo("w", TypeF32, 0, 1<<62, 4).Bytes(), `tensor "w" (byte 24): dimensions [4611686018427387904 4]: their product overflows`},
		{"block", header(1, 0).tensorInfo("w", TypeQ4_K, 0, 128, 2).pad(300).Bytes(), `tensor "w" (byte 24): dimensions [128 2]: the first, 128, is not a multiple of Q4_K's block of 256`},
		{"tensor type", header(1, 0).tensorInfo("w", Type(77), 0, 4).Bytes(), `tensor "w" (byte 24): unknown tensor type 77: golora reads F32, F16`},
		{"offset alignment", header(1, 0).tensorInfo("w", TypeF32, 4, 1).pad(64).Bytes(), `tensor "w" (byte 24): offset 4 is not a multiple of the alignment 32`},
		{"offset past end", header(1, 0).tensorInfo("w", TypeF32, 1<<40, 1).Bytes(), `tensor "w" (byte 24): offset 1099511627776 is past the end of the file`},
		{"data past end", header(1, 0).tensorInfo("w", TypeF32, 0, 16).pad(20).Bytes(), `tensor "w": its data, bytes 64 to 128, runs past the end: the file is truncated at byte 77 (64 bytes are needed at byte 64): download it again`},
		{"overlap", header(2, 0).tensorInfo("a", TypeF32, 0, 16).tensorInfo("b", TypeF32, 32, 16).pad(128).Bytes(), `tensor "b" (bytes 128 to 192) overlaps tensor "a" (bytes 96 to 160)`},
		{"duplicate tensor", header(2, 0).tensorInfo("a", TypeF32, 0, 1).tensorInfo("a", TypeF32, 32, 1).pad(128).Bytes(), `tensor "a" (byte 57): a second tensor of that name`},
	} {
		_, err := openBytes(c.data)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "gguf bad.gguf: invalid GGUF file: ") || !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error\n\t%v\nwant one saying\n\t%s", c.name, err, c.want)
		}
	}
}

// TestTruncatedFile opens every prefix of the Python file that cuts a
// header or a tensor short: each must be an error saying the file is
// truncated.
func TestTruncatedFile(t *testing.T) {
	data, err := os.ReadFile("testdata/python.gguf")
	if err != nil {
		t.Fatal(err)
	}
	f, err := openBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	var end int64
	for _, info := range f.Tensors() {
		end = max(end, info.Offset+info.Size)
	}
	for n := range end {
		_, err := openBytes(data[:n])
		if err == nil || !strings.Contains(err.Error(), "the file is truncated at byte") || !strings.Contains(err.Error(), "download it again") {
			t.Fatalf("%d of %d bytes: error %v", n, len(data), err)
		}
	}
	if _, err := openBytes(data[:end]); err != nil {
		t.Errorf("without the padding after the last tensor: %v", err)
	}
}

// TestUnsupportedTensor reads a tensor of a type golora does not
// dequantize: the error names the file, the tensor, the type, what golora
// reads and how to convert.
func TestUnsupportedTensor(t *testing.T) {
	b := header(1, 0).tensorInfo("blk.0.attn_q.weight", TypeIQ2_XXS, 0, 256)
	b.pad(32 - b.Len()%32 + 66)
	f, err := openBytes(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.TensorData("blk.0.attn_q.weight")
	if err != nil || len(data) != 66 {
		t.Errorf("TensorData: %d bytes, %v", len(data), err)
	}
	_, err = f.Float32("blk.0.attn_q.weight")
	want := `gguf bad.gguf: tensor "blk.0.attn_q.weight" has type IQ2_XXS: golora reads F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16; convert the model with llama.cpp's llama-quantize to one of them`
	if err == nil || err.Error() != want {
		t.Errorf("error\n\t%v\nwant\n\t%s", err, want)
	}
}

// TestVersion2 reads a version 2 file: the layout is version 3's.
func TestVersion2(t *testing.T) {
	data, err := os.ReadFile("testdata/python.gguf")
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint32(data[4:], 2)
	f, err := openBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.Version() != 2 || len(f.Tensors()) != len(readPythonGolden(t).Tensors) {
		t.Errorf("version %d, %d tensors", f.Version(), len(f.Tensors()))
	}
}
