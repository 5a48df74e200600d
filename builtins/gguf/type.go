package gguf

import (
	"fmt"
	"strings"
)

// Type is a ggml tensor type: how a tensor's elements are stored, one value
// each (F32, F16, …) or quantized in blocks (Q4_0, Q4_K, …). The numbers are
// ggml's and are what a GGUF file stores.
type Type uint32

// The ggml tensor types. golora dequantizes those that CanDequantize reports;
// the others are named so that an error can say what a file holds.
const (
	TypeF32     Type = 0
	TypeF16     Type = 1
	TypeQ4_0    Type = 2
	TypeQ4_1    Type = 3
	TypeQ5_0    Type = 6
	TypeQ5_1    Type = 7
	TypeQ8_0    Type = 8
	TypeQ8_1    Type = 9
	TypeQ2_K    Type = 10
	TypeQ3_K    Type = 11
	TypeQ4_K    Type = 12
	TypeQ5_K    Type = 13
	TypeQ6_K    Type = 14
	TypeQ8_K    Type = 15
	TypeIQ2_XXS Type = 16
	TypeIQ2_XS  Type = 17
	TypeIQ3_XXS Type = 18
	TypeIQ1_S   Type = 19
	TypeIQ4_NL  Type = 20
	TypeIQ3_S   Type = 21
	TypeIQ2_S   Type = 22
	TypeIQ4_XS  Type = 23
	TypeI8      Type = 24
	TypeI16     Type = 25
	TypeI32     Type = 26
	TypeI64     Type = 27
	TypeF64     Type = 28
	TypeIQ1_M   Type = 29
	TypeBF16    Type = 30
	TypeTQ1_0   Type = 34
	TypeTQ2_0   Type = 35
	TypeMXFP4   Type = 39
	TypeNVFP4   Type = 40
	TypeQ1_0    Type = 41
)

// qk is the number of elements of a K-quant super-block.
const qk = 256

// typeInfo is what the tables know of a tensor type.
type typeInfo struct {
	name       string
	blockSize  int // Elements per block.
	blockBytes int // Bytes per block.
}

// typeInfos gives the name and block layout of every ggml type, as ggml's
// type traits do; a zero entry is a number ggml does not use (any more).
var typeInfos = [...]typeInfo{
	TypeF32:     {"F32", 1, 4},
	TypeF16:     {"F16", 1, 2},
	TypeQ4_0:    {"Q4_0", 32, 2 + 16},
	TypeQ4_1:    {"Q4_1", 32, 2 + 2 + 16},
	TypeQ5_0:    {"Q5_0", 32, 2 + 4 + 16},
	TypeQ5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	TypeQ8_0:    {"Q8_0", 32, 2 + 32},
	TypeQ8_1:    {"Q8_1", 32, 4 + 4 + 32},
	TypeQ2_K:    {"Q2_K", qk, 2 + 2 + qk/16 + qk/4},
	TypeQ3_K:    {"Q3_K", qk, 2 + qk/4 + qk/8 + 12},
	TypeQ4_K:    {"Q4_K", qk, 2 + 2 + 12 + qk/2},
	TypeQ5_K:    {"Q5_K", qk, 2 + 2 + 12 + qk/8 + qk/2},
	TypeQ6_K:    {"Q6_K", qk, qk/2 + qk/4 + qk/16 + 2},
	TypeQ8_K:    {"Q8_K", qk, 4 + qk + qk/8},
	TypeIQ2_XXS: {"IQ2_XXS", qk, 2 + qk/4},
	TypeIQ2_XS:  {"IQ2_XS", qk, 2 + qk/4 + qk/32},
	TypeIQ3_XXS: {"IQ3_XXS", qk, 2 + qk/4 + qk/8},
	TypeIQ1_S:   {"IQ1_S", qk, 2 + qk/8 + qk/16},
	TypeIQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	TypeIQ3_S:   {"IQ3_S", qk, 2 + qk/4 + qk/8 + qk/32 + 4},
	TypeIQ2_S:   {"IQ2_S", qk, 2 + qk/4 + qk/16},
	TypeIQ4_XS:  {"IQ4_XS", qk, 2 + 2 + qk/2 + qk/64},
	TypeI8:      {"I8", 1, 1},
	TypeI16:     {"I16", 1, 2},
	TypeI32:     {"I32", 1, 4},
	TypeI64:     {"I64", 1, 8},
	TypeF64:     {"F64", 1, 8},
	TypeIQ1_M:   {"IQ1_M", qk, qk/8 + qk/16 + qk/32},
	TypeBF16:    {"BF16", 1, 2},
	TypeTQ1_0:   {"TQ1_0", qk, 2 + 4*13},
	TypeTQ2_0:   {"TQ2_0", qk, 2 + 64},
	TypeMXFP4:   {"MXFP4", 32, 1 + 16},
	TypeNVFP4:   {"NVFP4", 64, 4 + 32},
	TypeQ1_0:    {"Q1_0", 128, 2 + 16},
}

func (t Type) info() typeInfo {
	if int(t) < len(typeInfos) {
		return typeInfos[t]
	}
	return typeInfo{}
}

// Known reports whether t is a ggml type whose block layout this package
// knows (whether or not it can dequantize it).
func (t Type) Known() bool { return t.info().blockSize != 0 }

// String returns ggml's name of the type ("Q4_K"), or "type N" for a number
// ggml does not use.
func (t Type) String() string {
	if name := t.info().name; name != "" {
		return name
	}
	return fmt.Sprintf("type %d", uint32(t))
}

// BlockSize returns the number of elements of one block of t (1 for the
// unquantized types, 32 or 256 for most quantized ones), or 0 for an
// unknown type.
func (t Type) BlockSize() int { return t.info().blockSize }

// BlockBytes returns the number of bytes of one block of t, or 0 for an
// unknown type.
func (t Type) BlockBytes() int { return t.info().blockBytes }

// Bytes returns the number of bytes that n elements of type t take, and an
// error when t is unknown or n is not a whole number of blocks.
func (t Type) Bytes(n int) (int, error) {
	info := t.info()
	if info.blockSize == 0 {
		return 0, fmt.Errorf("gguf: unknown tensor type %d", uint32(t))
	}
	if n < 0 || n%info.blockSize != 0 {
		return 0, fmt.Errorf("gguf: %d elements of %s are not a whole number of %d-element blocks", n, t, info.blockSize)
	}
	return n / info.blockSize * info.blockBytes, nil
}

// CanDequantize reports whether Dequantize converts tensors of type t.
func (t Type) CanDequantize() bool { return dequantizers[t] != nil }

// supportedList names the types that Dequantize converts, in table order.
func supportedList() string {
	var names []string
	for t := range Type(len(typeInfos)) {
		if t.CanDequantize() {
			names = append(names, t.String())
		}
	}
	return strings.Join(names, ", ")
}
