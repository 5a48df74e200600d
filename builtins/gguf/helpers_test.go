package gguf

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// The golden files are written by testdata/make_golden.py, run from the
// repository root:
//
//	.venv/bin/python builtins/gguf/testdata/make_golden.py
const goldenCommand = ".venv/bin/python builtins/gguf/testdata/make_golden.py"

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (regenerate with %s)", err, goldenCommand)
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// float32s decodes little-endian float32 bytes.
func float32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

// firstDiff returns the index of the first element whose bits differ, or -1.
func firstDiff(got, want []float32) int {
	if len(got) != len(want) {
		return min(len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			return i
		}
	}
	return -1
}

// checkBits fails unless got and want are equal bit for bit.
func checkBits(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if i := firstDiff(got, want); i >= 0 {
		if i >= len(got) || i >= len(want) {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		t.Fatalf("%s[%d] = %v (%#08x), want %v (%#08x)", what, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
	}
}

// jsonKV is a metadata entry as reference.py and make_golden.py write
// it: a type name and a value; an array as {"elem": TYPE, "values": [...]}.
type jsonKV struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type jsonArray struct {
	Elem   string            `json:"elem"`
	Values []json.RawMessage `json:"values"`
}

// kvs converts JSON entries to KVs.
func kvs(t *testing.T, entries []jsonKV) []KV {
	t.Helper()
	var out []KV
	for _, e := range entries {
		v, err := decodeValue(e.Type, e.Value)
		if err != nil {
			t.Fatalf("key %q: %v", e.Key, err)
		}
		out = append(out, KV{e.Key, v})
	}
	return out
}

// decodeValue decodes a JSON value of the named GGUF type to its Go type.
func decodeValue(typ string, raw json.RawMessage) (any, error) {
	switch typ {
	case "string":
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case "bool":
		var b bool
		err := json.Unmarshal(raw, &b)
		return b, err
	case "array":
		var a jsonArray
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, err
		}
		return decodeArray(a)
	}
	s := string(raw)
	if unquoted, err := strconv.Unquote(s); err == nil {
		s = unquoted // reference.py writes "inf", "-inf" and "nan" as strings.
	}
	switch typ {
	case "uint8", "uint16", "uint32", "uint64":
		bits := map[string]int{"uint8": 8, "uint16": 16, "uint32": 32, "uint64": 64}[typ]
		u, err := strconv.ParseUint(s, 10, bits)
		switch bits {
		case 8:
			return uint8(u), err
		case 16:
			return uint16(u), err
		case 32:
			return uint32(u), err
		}
		return u, err
	case "int8", "int16", "int32", "int64":
		bits := map[string]int{"int8": 8, "int16": 16, "int32": 32, "int64": 64}[typ]
		i, err := strconv.ParseInt(s, 10, bits)
		switch bits {
		case 8:
			return int8(i), err
		case 16:
			return int16(i), err
		case 32:
			return int32(i), err
		}
		return i, err
	case "float32":
		f, err := strconv.ParseFloat(s, 64)
		if err == nil && float64(float32(f)) != f {
			err = fmt.Errorf("%s is not a float32", s)
		}
		return float32(f), err
	case "float64":
		return strconv.ParseFloat(s, 64)
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

// decodeArray decodes an array's elements into a slice of their Go type.
func decodeArray(a jsonArray) (any, error) {
	var out []any
	for _, r := range a.Values {
		v, err := decodeValue(a.Elem, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	switch a.Elem {
	case "uint8":
		return typed[uint8](out), nil
	case "int8":
		return typed[int8](out), nil
	case "uint16":
		return typed[uint16](out), nil
	case "int16":
		return typed[int16](out), nil
	case "uint32":
		return typed[uint32](out), nil
	case "int32":
		return typed[int32](out), nil
	case "float32":
		return typed[float32](out), nil
	case "bool":
		return typed[bool](out), nil
	case "string":
		return typed[string](out), nil
	case "uint64":
		return typed[uint64](out), nil
	case "int64":
		return typed[int64](out), nil
	case "float64":
		return typed[float64](out), nil
	case "array":
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown element type %q", a.Elem)
}

func typed[T any](vs []any) []T {
	out := make([]T, len(vs))
	for i, v := range vs {
		out[i] = v.(T)
	}
	return out
}

// reference is what testdata/reference.py prints for a file.
type reference struct {
	Alignment  int         `json:"alignment"`
	DataOffset int64       `json:"data_offset"`
	Metadata   []jsonKV    `json:"metadata"`
	Tensors    []refTensor `json:"tensors"`
}

type refTensor struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Dims    []int  `json:"dims"`
	Offset  int64  `json:"offset"`
	Data    []byte `json:"data"`
	Float32 []byte `json:"float32"`
	Source  []byte `json:"source"`
}

// python returns $GOLORA_PYTHON, skipping the test when it is unset.
func python(t *testing.T) string {
	t.Helper()
	py := os.Getenv("GOLORA_PYTHON")
	if py == "" {
		t.Skip("GOLORA_PYTHON is not set: set it to a Python with gguf==0.19.0 (make test sets .venv/bin/python) to compare with the gguf package")
	}
	return py
}

// runReference runs testdata/reference.py with args and returns its output.
func runReference(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(python(t), append([]string{filepath.Join("testdata", "reference.py")}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testdata/reference.py %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// dumpReference runs reference.py on path, with --data when data is set,
// and writes dir/NAME.f32 for each of dequant.
func dumpReference(t *testing.T, path string, data bool, dir string, dequant ...string) reference {
	t.Helper()
	args := []string{path}
	if data {
		args = append(args, "--data")
	}
	if len(dequant) > 0 {
		args = append(append(args, "--dequant", dir), dequant...)
	}
	var ref reference
	d := json.NewDecoder(bytes.NewReader(runReference(t, args...)))
	d.UseNumber()
	if err := d.Decode(&ref); err != nil {
		t.Fatalf("reference.py %s: %v", path, err)
	}
	return ref
}

// typeByName returns the Type that ggml names name.
func typeByName(t *testing.T, name string) Type {
	t.Helper()
	for i := range Type(len(typeInfos)) {
		if i.Known() && i.String() == name {
			return i
		}
	}
	t.Fatalf("no type %q", name)
	return 0
}
