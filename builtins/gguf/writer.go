package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/golora/golora/internal/atomicfile"
)

// Version is the GGUF version that Write writes.
const Version = 3

// Tensor is one tensor to write: its name, its dimensions in GGUF order
// (Dims[0] fastest; a PyTorch out×in weight is [in, out]), its type and its
// bytes, already encoded as that type.
type Tensor struct {
	Name string
	Type Type
	Dims []int
	Data []byte
}

// NewTensor encodes values as type t (see Quantize for the types) into a
// tensor of the given GGUF dimensions.
func NewTensor(name string, t Type, dims []int, values []float32) (Tensor, error) {
	data, err := Quantize(t, values)
	if err != nil {
		return Tensor{}, fmt.Errorf("gguf: tensor %q: %w", name, err)
	}
	tensor := Tensor{Name: name, Type: t, Dims: slices.Clone(dims), Data: data}
	return tensor, tensor.check()
}

// check validates the tensor's type and dimensions against its data.
func (t Tensor) check() error {
	if len(t.Dims) > maxDims {
		return fmt.Errorf("gguf: tensor %q has %d dimensions, more than ggml's %d", t.Name, len(t.Dims), maxDims)
	}
	n := 1
	for _, d := range t.Dims {
		if d < 0 {
			return fmt.Errorf("gguf: tensor %q: negative dimension in %v", t.Name, t.Dims)
		}
		n *= d
	}
	if !t.Type.Known() {
		return fmt.Errorf("gguf: tensor %q: unknown type %d", t.Name, uint32(t.Type))
	}
	if len(t.Dims) > 0 && t.Dims[0]%t.Type.BlockSize() != 0 {
		return fmt.Errorf("gguf: tensor %q: the first dimension of %v is not a multiple of %s's block of %d", t.Name, t.Dims, t.Type, t.Type.BlockSize())
	}
	want, err := t.Type.Bytes(n)
	if err != nil {
		return fmt.Errorf("gguf: tensor %q: %w", t.Name, err)
	}
	if len(t.Data) != want {
		return fmt.Errorf("gguf: tensor %q: dimensions %v of %s need %d bytes, the data has %d", t.Name, t.Dims, t.Type, want, len(t.Data))
	}
	return nil
}

// WriteFile writes a GGUF file to path atomically (a temporary file in the
// same folder, synced, then renamed over path), so that a reader never
// sees half a file.
func WriteFile(path string, metadata []KV, tensors []Tensor) error {
	err := atomicfile.WriteFunc(path, func(f *os.File) error { return Write(f, metadata, tensors) })
	if err != nil {
		return fmt.Errorf("gguf %s: %w", path, err)
	}
	return nil
}

// Write writes a GGUF version 3 file: the metadata in the order given, the
// tensor infos, then the tensor data, each tensor aligned to
// general.alignment (a uint32 power of two when the metadata has it,
// otherwise 32). Its bytes are those that the gguf Python package's
// GGUFWriter writes for the same metadata and tensors.
func Write(w io.Writer, metadata []KV, tensors []Tensor) error {
	align, err := checkMetadata(metadata)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, t := range tensors {
		if names[t.Name] {
			return fmt.Errorf("gguf: tensor %q appears twice", t.Name)
		}
		names[t.Name] = true
		if err := t.check(); err != nil {
			return err
		}
	}
	e := &encoder{w: bufio.NewWriterSize(w, 1<<16)}
	e.bytes([]byte("GGUF"))
	e.u32(Version)
	e.u64(uint64(len(tensors)))
	e.u64(uint64(len(metadata)))
	for _, kv := range metadata {
		e.string(kv.Key)
		t, _ := kv.Type()
		e.u32(uint32(t))
		e.value(kv.Value)
	}
	var offset int64
	for _, t := range tensors {
		e.string(t.Name)
		e.u32(uint32(len(t.Dims)))
		for _, d := range t.Dims {
			e.u64(uint64(d))
		}
		e.u32(uint32(t.Type))
		e.u64(uint64(offset))
		offset += alignUp(int64(len(t.Data)), align)
	}
	e.pad(align)
	for _, t := range tensors {
		e.bytes(t.Data)
		e.pad(align)
	}
	if e.err == nil {
		e.err = e.w.Flush()
	}
	if e.err != nil {
		return fmt.Errorf("gguf: writing: %w", e.err)
	}
	return nil
}

// checkMetadata checks that keys are unique and every value has a GGUF
// type, and returns the alignment.
func checkMetadata(metadata []KV) (int64, error) {
	align := int64(DefaultAlignment)
	keys := map[string]bool{}
	for _, kv := range metadata {
		if keys[kv.Key] {
			return 0, fmt.Errorf("gguf: key %q appears twice", kv.Key)
		}
		keys[kv.Key] = true
		if err := checkValue(kv.Value, 0); err != nil {
			return 0, fmt.Errorf("gguf: key %q: %w", kv.Key, err)
		}
		if kv.Key != AlignmentKey {
			continue
		}
		a, ok := kv.Value.(uint32)
		if !ok || a == 0 || a&(a-1) != 0 || a > 1<<30 {
			return 0, fmt.Errorf("gguf: key %q is %s %v, want a uint32 power of two", kv.Key, describe(kv.Value), kv.Value)
		}
		align = int64(a)
	}
	return align, nil
}

// checkValue checks that v has a GGUF type, looking inside nested arrays.
func checkValue(v any, depth int) error {
	if _, ok := typeOf(v); !ok {
		return fmt.Errorf("a %T has no GGUF type (use uint8…uint64, int8…int64, float32, float64, bool, string, or a slice of one, or []any of slices)", v)
	}
	inner, ok := v.([]any)
	if !ok {
		return nil
	}
	if depth >= maxNesting {
		return fmt.Errorf("arrays nest more than %d deep", maxNesting)
	}
	for i, e := range inner {
		if _, ok := elemType(e); !ok {
			return fmt.Errorf("element %d of an array of arrays is a %T, not an array", i, e)
		}
		if err := checkValue(e, depth+1); err != nil {
			return fmt.Errorf("element %d: %w", i, err)
		}
	}
	return nil
}

// encoder writes little-endian values, keeping the first error and the
// number of bytes written.
type encoder struct {
	w   *bufio.Writer
	n   int64
	err error
	buf [8]byte
}

func (e *encoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	var n int
	n, e.err = e.w.Write(b)
	e.n += int64(n)
}

func (e *encoder) u8(v uint8) { e.bytes([]byte{v}) }

func (e *encoder) u16(v uint16) {
	binary.LittleEndian.PutUint16(e.buf[:], v)
	e.bytes(e.buf[:2])
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.buf[:], v)
	e.bytes(e.buf[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], v)
	e.bytes(e.buf[:8])
}

func (e *encoder) string(s string) {
	e.u64(uint64(len(s)))
	if e.err == nil {
		var n int
		n, e.err = e.w.WriteString(s)
		e.n += int64(n)
	}
}

// pad writes zeros up to the next multiple of align.
func (e *encoder) pad(align int64) {
	if k := alignUp(e.n, align) - e.n; k > 0 {
		e.bytes(make([]byte, k))
	}
}

// value writes a value that checkValue accepted, without its type.
func (e *encoder) value(v any) {
	switch x := v.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case bool:
		e.u8(boolByte(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	case string:
		e.string(x)
	default:
		e.array(v)
	}
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// array writes an array's element type, length and elements.
func (e *encoder) array(v any) {
	et, _ := elemType(v)
	e.u32(uint32(et))
	switch s := v.(type) {
	case []uint8:
		e.u64(uint64(len(s)))
		e.bytes(s)
	case []int8:
		elements(e, s)
	case []uint16:
		elements(e, s)
	case []int16:
		elements(e, s)
	case []uint32:
		elements(e, s)
	case []int32:
		elements(e, s)
	case []float32:
		elements(e, s)
	case []bool:
		elements(e, s)
	case []string:
		elements(e, s)
	case []uint64:
		elements(e, s)
	case []int64:
		elements(e, s)
	case []float64:
		elements(e, s)
	case []any:
		e.u64(uint64(len(s)))
		for _, inner := range s {
			e.array(inner)
		}
	default:
		e.err = errors.Join(e.err, fmt.Errorf("gguf: no encoding for %T", v))
	}
}

// elements writes a slice's length and its elements.
func elements[T any](e *encoder, s []T) {
	e.u64(uint64(len(s)))
	for _, v := range s {
		e.value(v)
	}
}
