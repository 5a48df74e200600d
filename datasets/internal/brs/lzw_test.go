package brs

import (
	"bytes"
	"os"
	"testing"
)

// TestDecodeLZWMatchesCompress decodes streams made by the reference
// compress(1) (testdata/gen.sh) at three code widths; at 9 bits the table
// fills and is cleared several times.
func TestDecodeLZWMatchesCompress(t *testing.T) {
	want, err := os.ReadFile("testdata/lzw.in")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lzw-b9.Z", "lzw-b12.Z", "lzw-b16.Z"} {
		z, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(z, []byte(compressMagic)) {
			t.Fatalf("%s: no compress(1) header", name)
		}
		flags := z[2]
		got, err := decodeLZW(z[3:], int(flags&flagMaxBits), flags&flagBlockMode != 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: decoded %d bytes, want %d; first difference at %d", name, len(got), len(want), firstDiff(got, want))
		}
	}
}

// TestDecodeLZWClearCode checks that the 9-bit vector does hold clear codes:
// read without block mode, code 256 is a table entry and the text differs.
func TestDecodeLZWClearCode(t *testing.T) {
	want, _ := os.ReadFile("testdata/lzw.in")
	z, err := os.ReadFile("testdata/lzw-b9.Z")
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeLZW(z[3:], 9, false)
	if err == nil && bytes.Equal(got, want) {
		t.Error("the 9-bit stream decodes the same without clear codes: the test vector does not exercise them")
	}
}

func TestDecodeLZWCorrupt(t *testing.T) {
	// 9-bit codes, LSB first: 'A' (65), then 300, beyond the next free code 257.
	bits := uint32(65) | uint32(300)<<9
	src := []byte{byte(bits), byte(bits >> 8), byte(bits >> 16)}
	if _, err := decodeLZW(src, 16, true); err == nil {
		t.Error("a code beyond the table decoded without error")
	}
	if _, err := decodeLZW([]byte{0x00, 0x03}, 16, true); err == nil {
		t.Error("a first code of 256 decoded without error")
	}
	if _, err := decodeLZW(nil, 17, true); err == nil {
		t.Error("17-bit codes accepted")
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
