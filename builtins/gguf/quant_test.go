package gguf

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
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
	seen := map[Type]bool{}
	for _, c := range g.Quantize {
		seen[typeByName(t, c.Type)] = true
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
	for typ := range Type(len(typeInfos)) {
		if typ.CanQuantize() && !seen[typ] {
			t.Errorf("%s: no golden values (add it to make_golden.py)", typ)
		}
	}
}

// TestQuantizeRoundTrips quantizes random values as each block type and
// checks that dequantizing gives them back within half a step of the
// type's grid (a step is max|x|/127 for Q8_0, max|x|/8 and max|x|/16 for
// Q4_0 and Q5_0, and the block's range over 15 and 31 for Q4_1 and Q5_1;
// the scales' rounding to half precision adds a little). Q4_0's codes run
// from −8 to 7 steps, Q5_0's from −16 to 15, so a value near the block's
// extreme but of the other sign is clipped to a step short: those two may
// be a step off.
func TestQuantizeRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := make([]float32, 32*64)
	for i := range values {
		values[i] = float32(r.NormFloat64())
	}
	for _, c := range []struct {
		typ   Type
		steps float32 // Steps in a block's range.
		min   bool    // Whether the grid starts at the block's minimum.
		off   float64 // The largest error, in steps.
	}{{TypeQ8_0, 127, false, 0.51}, {TypeQ4_0, 8, false, 1.01}, {TypeQ5_0, 16, false, 1.01}, {TypeQ4_1, 15, true, 0.51}, {TypeQ5_1, 31, true, 0.51}} {
		data, err := Quantize(c.typ, values)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Dequantize(c.typ, data, len(values))
		if err != nil {
			t.Fatal(err)
		}
		for b := 0; b < len(values); b += 32 {
			x := values[b : b+32]
			lo, hi := minMax(x)
			step := max(-lo, hi) / c.steps
			if c.min {
				step = (hi - lo) / c.steps
			}
			for i, v := range x {
				if d := math.Abs(float64(back[b+i] - v)); d > c.off*float64(step)+1e-3*math.Abs(float64(v)) {
					t.Fatalf("%s: value %d: %v came back as %v (step %v)", c.typ, b+i, v, back[b+i], step)
				}
			}
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
	if _, err := Quantize(TypeQ4_K, make([]float32, 256)); err == nil || !strings.Contains(err.Error(), "golora writes F32, F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, BF16; make other types") {
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

// TestPermuteQKMatchesConverter reorders the rows of random query and key
// weights as permute.json's convert_hf_to_gguf.py permute did, and back.
func TestPermuteQKMatchesConverter(t *testing.T) {
	var g struct {
		Permute []struct {
			Heads, Cols int
			HF, GGUF    []byte
		}
	}
	readJSON(t, "testdata/permute.json", &g)
	if len(g.Permute) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range g.Permute {
		hf, want := float32s(c.HF), float32s(c.GGUF)
		got := make([]float32, len(hf))
		PermuteQK(got, hf, c.Heads, c.Cols)
		checkBits(t, "PermuteQK", got, want)
		back := make([]float32, len(hf))
		UnpermuteQK(back, got, c.Heads, c.Cols)
		checkBits(t, "UnpermuteQK", back, hf)
	}
}

// TestPermuteQK checks a small case written out by hand: two heads of four
// rows of width 1.
func TestPermuteQK(t *testing.T) {
	hf := []float32{0, 1, 2, 3, 4, 5, 6, 7}
	got := make([]float32, len(hf))
	PermuteQK(got, hf, 2, 1)
	if want := []float32{0, 2, 1, 3, 4, 6, 5, 7}; !slices.Equal(got, want) {
		t.Errorf("PermuteQK = %v, want %v", got, want)
	}
	defer func() {
		if recover() == nil {
			t.Error("PermuteQK of 3 rows per head did not panic")
		}
	}()
	PermuteQK(make([]float32, 6), make([]float32, 6), 2, 1)
}

// TestUnpermuteQKBlocks checks the byte rows' version on a case written out
// by hand: two heads of 4 rows, rows of 2 bytes.
func TestUnpermuteQKBlocks(t *testing.T) {
	// Hugging Face rows 0 1 2 3 | 4 5 6 7 are llama.cpp's 0 2 1 3 | 4 6 5 7.
	src := []byte{0, 10, 2, 12, 1, 11, 3, 13, 4, 14, 6, 16, 5, 15, 7, 17}
	dst := make([]byte, len(src))
	UnpermuteQKBlocks(dst, src, 2, 2)
	if want := []byte{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15, 6, 16, 7, 17}; !bytes.Equal(dst, want) {
		t.Errorf("got %v, want %v", dst, want)
	}
}
