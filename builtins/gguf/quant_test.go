package gguf

import (
	"bytes"
	"strings"
	"testing"
)

// quantsGolden is testdata/quants.json.
type quantsGolden struct {
	Dequantize []struct {
		Type    string `json:"type"`
		N       int    `json:"n"`
		Data    []byte `json:"data"`
		Float32 []byte `json:"float32"`
	} `json:"dequantize"`
	Quantize []struct {
		Type    string `json:"type"`
		Float32 []byte `json:"float32"`
		Data    []byte `json:"data"`
	} `json:"quantize"`
}

// TestDequantizeMatchesPython dequantizes the random blocks of every
// supported type that make_golden.py wrote and compares with
// gguf.quants.dequantize, bit for bit.
func TestDequantizeMatchesPython(t *testing.T) {
	var g quantsGolden
	readJSON(t, "testdata/quants.json", &g)
	seen := map[Type]bool{}
	for _, c := range g.Dequantize {
		typ := typeByName(t, c.Type)
		seen[typ] = true
		got, err := Dequantize(typ, c.Data, c.N)
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		checkBits(t, c.Type, got, float32s(c.Float32))
	}
	for typ := range Type(len(typeInfos)) {
		if typ.CanDequantize() && !seen[typ] {
			t.Errorf("%s: no golden blocks (add it to make_golden.py)", typ)
		}
	}
}

// TestQuantizeMatchesPython quantizes the values that make_golden.py gave
// gguf.quants.quantize (NumPy for F16) and compares the bytes.
func TestQuantizeMatchesPython(t *testing.T) {
	var g quantsGolden
	readJSON(t, "testdata/quants.json", &g)
	for _, c := range g.Quantize {
		got, err := Quantize(typeByName(t, c.Type), float32s(c.Float32))
		if err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
		if !bytes.Equal(got, c.Data) {
			i := 0
			for i < len(got) && i < len(c.Data) && got[i] == c.Data[i] {
				i++
			}
			t.Errorf("%s: bytes differ from gguf.quants.quantize at %d of %d", c.Type, i, len(c.Data))
		}
	}
}

func TestDequantizeErrors(t *testing.T) {
	for _, c := range []struct {
		typ  Type
		data int
		n    int
		want string
	}{
		{TypeIQ2_XXS, 66, 256, "type IQ2_XXS: golora reads F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K, BF16; convert the model with llama.cpp's llama-quantize"},
		{Type(99), 4, 1, "type 99"},
		{TypeQ8_0, 34, 31, "not a whole number of 32-element blocks"},
		{TypeQ8_0, 33, 32, "32 elements of Q8_0 take 34 bytes, not 33"},
	} {
		_, err := Dequantize(c.typ, make([]byte, c.data), c.n)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Dequantize(%s, %d bytes, %d): error %v, want %q", c.typ, c.data, c.n, err, c.want)
		}
	}
	if _, err := Quantize(TypeQ4_K, make([]float32, 256)); err == nil || !strings.Contains(err.Error(), "golora writes F32, F16, BF16 and Q8_0") {
		t.Errorf("Quantize(Q4_K): error %v", err)
	}
}

func TestTypes(t *testing.T) {
	for _, c := range []struct {
		typ               Type
		name              string
		block, blockBytes int
	}{
		{TypeF32, "F32", 1, 4}, {TypeBF16, "BF16", 1, 2}, {TypeQ4_1, "Q4_1", 32, 20},
		{TypeQ5_1, "Q5_1", 32, 24}, {TypeQ8_0, "Q8_0", 32, 34}, {TypeQ4_K, "Q4_K", 256, 144},
		{TypeQ5_K, "Q5_K", 256, 176}, {TypeQ6_K, "Q6_K", 256, 210}, {TypeIQ2_XXS, "IQ2_XXS", 256, 66},
	} {
		if c.typ.String() != c.name || c.typ.BlockSize() != c.block || c.typ.BlockBytes() != c.blockBytes {
			t.Errorf("%d: %s, %d, %d; want %s, %d, %d", uint32(c.typ), c.typ, c.typ.BlockSize(), c.typ.BlockBytes(), c.name, c.block, c.blockBytes)
		}
	}
	if s := Type(4).String(); s != "type 4" {
		t.Errorf("Type(4) = %q", s)
	}
	if n, err := TypeQ4_K.Bytes(512); n != 288 || err != nil {
		t.Errorf("Q4_K.Bytes(512) = %d, %v", n, err)
	}
}
