package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// maxNesting bounds how deep arrays of arrays may nest.
const maxNesting = 16

// maxString and maxArray bound one metadata string (in bytes) and one
// array (in elements), far above any real file's (a chat template is a few
// kilobytes, a vocabulary a few hundred thousand tokens), so that a corrupt
// length is an error before it is an allocation of gigabytes.
const (
	maxString = 64 << 20
	maxArray  = 16 << 20
)

// sliceChunk is how many array elements the decoder reads at a time, so
// that what it allocates grows with what the file holds, never with what a
// corrupt count claims.
const sliceChunk = 1024

// decoder reads the little-endian header of a GGUF file, sequentially,
// checking before every read that the bytes are there.
type decoder struct {
	br      *bufio.Reader
	pos     int64 // Offset of the next byte.
	size    int64 // Size of the file.
	scratch [sliceChunk * 8]byte
}

func newDecoder(r io.ReaderAt, size int64) *decoder {
	return &decoder{br: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 1<<14), size: size}
}

// readError is an I/O error from the underlying reader, as opposed to a
// malformed file.
type readError struct{ err error }

func (e *readError) Error() string { return fmt.Sprintf("reading: %v", e.err) }
func (e *readError) Unwrap() error { return e.err }

// truncated says that the n bytes at pos run past the end of the file.
func truncated(pos, n, size int64) error {
	return fmt.Errorf("the file is truncated at byte %d (%d bytes are needed at byte %d): download it again", size, n, pos)
}

// left returns the number of bytes after the current position.
func (d *decoder) left() int64 { return d.size - d.pos }

// fixed reads n ≤ len(scratch) bytes into the scratch buffer.
func (d *decoder) fixed(n int) ([]byte, error) {
	if int64(n) > d.left() {
		return nil, truncated(d.pos, int64(n), d.size)
	}
	b := d.scratch[:n]
	if _, err := io.ReadFull(d.br, b); err != nil {
		return nil, &readError{err}
	}
	d.pos += int64(n)
	return b, nil
}

func (d *decoder) u32() (uint32, error) {
	b, err := d.fixed(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (d *decoder) u64() (uint64, error) {
	b, err := d.fixed(8)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// string reads a length-prefixed string.
func (d *decoder) string() (string, error) {
	n, err := d.u64()
	if err != nil {
		return "", err
	}
	if n > uint64(d.left()) {
		return "", fmt.Errorf("a string of %d bytes at byte %d runs past the end: %w", n, d.pos-8, truncated(d.pos, int64(min(n, math.MaxInt64)), d.size))
	}
	if n > maxString {
		return "", fmt.Errorf("a string of %d bytes at byte %d, more than the %d MiB golora allows: the file is corrupt; download it again", n, d.pos-8, maxString>>20)
	}
	if n <= uint64(len(d.scratch)) {
		b, err := d.fixed(int(n))
		return string(b), err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.br, b); err != nil {
		return "", &readError{err}
	}
	d.pos += int64(n)
	return string(b), nil
}

// value reads a value of type t; depth counts the arrays it is inside.
func (d *decoder) value(t ValueType, depth int) (any, error) {
	if t == ValueString {
		return d.string()
	}
	if t == ValueArray {
		return d.array(depth + 1)
	}
	size := t.size()
	if size == 0 {
		return nil, fmt.Errorf("unknown value type %d at byte %d (GGUF has types 0 to 12)", uint32(t), d.pos-4)
	}
	b, err := d.fixed(size)
	if err != nil {
		return nil, err
	}
	return scalar(t, b), nil
}

// scalar decodes a fixed-size value of type t from b.
func scalar(t ValueType, b []byte) any {
	le := binary.LittleEndian
	switch t {
	case ValueUint8:
		return b[0]
	case ValueInt8:
		return int8(b[0])
	case ValueBool:
		return b[0] != 0
	case ValueUint16:
		return le.Uint16(b)
	case ValueInt16:
		return int16(le.Uint16(b))
	case ValueUint32:
		return le.Uint32(b)
	case ValueInt32:
		return int32(le.Uint32(b))
	case ValueFloat32:
		return math.Float32frombits(le.Uint32(b))
	case ValueUint64:
		return le.Uint64(b)
	case ValueInt64:
		return int64(le.Uint64(b))
	case ValueFloat64:
		return math.Float64frombits(le.Uint64(b))
	}
	panic(fmt.Sprintf("gguf: scalar of %s", t))
}

// array reads an array's element type, count and elements.
func (d *decoder) array(depth int) (any, error) {
	start := d.pos
	if depth > maxNesting {
		return nil, fmt.Errorf("arrays nest more than %d deep at byte %d", maxNesting, start)
	}
	raw, err := d.u32()
	if err != nil {
		return nil, err
	}
	et := ValueType(raw)
	n, err := d.u64()
	if err != nil {
		return nil, err
	}
	least := int64(et.size()) // The fewest bytes an element takes.
	switch et {
	case ValueString:
		least = 8
	case ValueArray:
		least = 12
	}
	if least == 0 {
		return nil, fmt.Errorf("array at byte %d has unknown element type %d (GGUF has types 0 to 12)", start, raw)
	}
	if n > uint64(d.left()/least) {
		return nil, fmt.Errorf("an array of %d %s values at byte %d runs past the end: %w", n, et, start, truncated(d.pos, int64(min(n, math.MaxInt64/16))*least, d.size))
	}
	if n > maxArray {
		return nil, fmt.Errorf("an array of %d %s values at byte %d, more than the %d elements golora allows: the file is corrupt; download it again", n, et, start, maxArray)
	}
	count, size := int(n), et.size()
	switch et {
	case ValueString:
		return readSlice(count, func() (string, error) { return d.string() })
	case ValueArray:
		return readSlice(count, func() (any, error) { return d.array(depth + 1) })
	case ValueUint8:
		return numbers(d, count, size, func(b []byte) uint8 { return b[0] })
	case ValueInt8:
		return numbers(d, count, size, func(b []byte) int8 { return int8(b[0]) })
	case ValueBool:
		return numbers(d, count, size, func(b []byte) bool { return b[0] != 0 })
	case ValueUint16:
		return numbers(d, count, size, binary.LittleEndian.Uint16)
	case ValueInt16:
		return numbers(d, count, size, func(b []byte) int16 { return int16(binary.LittleEndian.Uint16(b)) })
	case ValueUint32:
		return numbers(d, count, size, binary.LittleEndian.Uint32)
	case ValueInt32:
		return numbers(d, count, size, func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) })
	case ValueFloat32:
		return numbers(d, count, size, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })
	case ValueUint64:
		return numbers(d, count, size, binary.LittleEndian.Uint64)
	case ValueInt64:
		return numbers(d, count, size, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })
	case ValueFloat64:
		return numbers(d, count, size, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) })
	}
	return nil, errors.New("unreachable")
}

// readSlice reads n elements one at a time, growing the slice as they come.
func readSlice[T any](n int, next func() (T, error)) ([]T, error) {
	out := make([]T, 0, min(n, sliceChunk))
	for range n {
		v, err := next()
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", len(out), err)
		}
		out = append(out, v)
	}
	return out, nil
}

// numbers reads n elements of size bytes each, a chunk at a time.
func numbers[T any](d *decoder, n, size int, decode func([]byte) T) ([]T, error) {
	out := make([]T, 0, min(n, sliceChunk))
	for len(out) < n {
		k := min(n-len(out), sliceChunk)
		b, err := d.fixed(k * size)
		if err != nil {
			return nil, err
		}
		for i := range k {
			out = append(out, decode(b[i*size:]))
		}
	}
	return out, nil
}
