package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// MaxHeaderSize bounds the JSON header that Open accepts, in bytes.
const MaxHeaderSize = 100 << 20

// ErrFormat is wrapped by every error about a malformed or hostile file.
var ErrFormat = errors.New("invalid safetensors file")

// chunkSize is how many bytes a conversion reads at a time.
const chunkSize = 1 << 20

// TensorInfo describes one tensor of a file: its dtype, its shape and where
// its bytes lie.
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	// Offset is the position of the first byte of the tensor in the file;
	// Size is its number of bytes.
	Offset, Size int64
}

// NumElements returns the product of the shape's dimensions.
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// File is an open safetensors file whose header has been validated. Its
// tensors are read on demand. A File is safe for concurrent reads.
type File struct {
	path     string
	r        io.ReaderAt
	closer   io.Closer
	tensors  map[string]TensorInfo
	names    []string // In file order.
	metadata map[string]string
}

// Open opens a safetensors file and validates its header.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	file, err := NewFile(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	file.closer = f
	return file, nil
}

// NewFile reads and validates the header of the safetensors data of the
// given size that r holds; path names it in errors. Close on the result
// does not close r.
func NewFile(r io.ReaderAt, size int64, path string) (*File, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("safetensors %s: %w: %s", path, ErrFormat, fmt.Sprintf(format, args...))
	}
	var prefix [8]byte
	if size < 8 {
		return nil, fail("%d bytes, shorter than the 8-byte header length", size)
	}
	if _, err := r.ReadAt(prefix[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors %s: reading header length: %w", path, err)
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	switch {
	case n > MaxHeaderSize:
		return nil, fail("header length %d exceeds the %d-byte limit", n, MaxHeaderSize)
	case int64(n) > size-8:
		return nil, fail("header length %d runs past the end of the %d-byte file (truncated?)", n, size)
	case n < 2:
		return nil, fail("header length %d is too short for a JSON object", n)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("safetensors %s: reading header: %w", path, err)
	}
	dataStart := 8 + int64(n)
	f := &File{path: path, r: r, tensors: map[string]TensorInfo{}}
	if err := f.parseHeader(header, dataStart, size-dataStart); err != nil {
		return nil, fail("%v", err)
	}
	return f, nil
}

// headerEntry is one tensor's entry in the JSON header.
type headerEntry struct {
	DType       DType   `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// parseHeader decodes and validates the JSON header; dataSize is the number
// of bytes after it.
func (f *File) parseHeader(header []byte, dataStart, dataSize int64) error {
	header = bytes.TrimRight(header, " ")
	if len(header) == 0 || header[0] != '{' {
		return errors.New("header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return fmt.Errorf("header JSON: %v", err)
	}
	type span struct {
		begin, end int64
		name       string
	}
	spans := make([]span, 0, len(raw))
	for name, msg := range raw {
		if name == "__metadata__" {
			if err := json.Unmarshal(msg, &f.metadata); err != nil {
				return fmt.Errorf("__metadata__ must map strings to strings: %v", err)
			}
			continue
		}
		var e headerEntry
		if err := json.Unmarshal(msg, &e); err != nil {
			return fmt.Errorf("tensor %q: %v", name, err)
		}
		info, err := e.validate(dataSize)
		if err != nil {
			return fmt.Errorf("tensor %q: %v", name, err)
		}
		info.Name = name
		info.Offset += dataStart
		f.tensors[name] = info
		spans = append(spans, span{e.DataOffsets[0], e.DataOffsets[1], name})
	}
	slices.SortFunc(spans, func(a, b span) int {
		if c := cmpInt64(a.begin, b.begin); c != 0 {
			return c
		}
		return cmpInt64(a.end, b.end)
	})
	for i, s := range spans {
		if i > 0 && s.begin < spans[i-1].end {
			return fmt.Errorf("tensor %q: bytes [%d, %d) overlap tensor %q's [%d, %d)",
				s.name, s.begin, s.end, spans[i-1].name, spans[i-1].begin, spans[i-1].end)
		}
		f.names = append(f.names, s.name)
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// validate checks an entry against the dataSize bytes of tensor data and
// returns its TensorInfo with Offset relative to the data.
func (e headerEntry) validate(dataSize int64) (TensorInfo, error) {
	size := int64(e.DType.Size())
	if size == 0 {
		return TensorInfo{}, fmt.Errorf("unsupported dtype %q (want F64, F32, F16, BF16, I64 or I32)", e.DType)
	}
	if len(e.DataOffsets) != 2 {
		return TensorInfo{}, fmt.Errorf("data_offsets has %d values, want 2", len(e.DataOffsets))
	}
	begin, end := e.DataOffsets[0], e.DataOffsets[1]
	if begin < 0 || end < begin || end > dataSize {
		return TensorInfo{}, fmt.Errorf("data_offsets [%d, %d] are outside the %d data bytes (truncated file?)", begin, end, dataSize)
	}
	shape := make([]int, len(e.Shape))
	maxElements := dataSize / size
	elements := int64(1)
	for i, d := range e.Shape {
		if d < 0 {
			return TensorInfo{}, fmt.Errorf("shape %v has a negative dimension", e.Shape)
		}
		if d != 0 && elements > maxElements/d {
			return TensorInfo{}, fmt.Errorf("shape %v needs more bytes than the file holds", e.Shape)
		}
		elements *= d
		shape[i] = int(d)
	}
	if elements*size != end-begin {
		return TensorInfo{}, fmt.Errorf("shape %v of %s needs %d bytes but data_offsets [%d, %d] hold %d",
			e.Shape, e.DType, elements*size, begin, end, end-begin)
	}
	return TensorInfo{DType: e.DType, Shape: shape, Offset: begin, Size: end - begin}, nil
}

// Path returns the name the file was opened with.
func (f *File) Path() string { return f.path }

// Close closes the underlying file.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Names returns the tensor names in the order their data lies in the file.
func (f *File) Names() []string { return slices.Clone(f.names) }

// Tensor returns the description of the named tensor and whether it exists.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	t, ok := f.tensors[name]
	if ok {
		t.Shape = slices.Clone(t.Shape)
	}
	return t, ok
}

// Metadata returns the header's __metadata__ map (nil when absent).
func (f *File) Metadata() map[string]string { return f.metadata }

// info returns the named tensor or an error naming the file.
func (f *File) info(name string) (TensorInfo, error) {
	t, ok := f.tensors[name]
	if !ok {
		return t, fmt.Errorf("safetensors %s: no tensor %q", f.path, name)
	}
	return t, nil
}

// Bytes returns the raw little-endian bytes of the named tensor.
func (f *File) Bytes(name string) ([]byte, error) {
	t, err := f.info(name)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, t.Size)
	if err := f.readAt(t, buf, t.Offset); err != nil {
		return nil, err
	}
	return buf, nil
}

func (f *File) readAt(t TensorInfo, buf []byte, off int64) error {
	if _, err := f.r.ReadAt(buf, off); err != nil {
		return fmt.Errorf("safetensors %s: tensor %q: reading: %w", f.path, t.Name, err)
	}
	return nil
}

// Float32s returns the named tensor's values converted to float32.
func (f *File) Float32s(name string) ([]float32, error) {
	t, err := f.info(name)
	if err != nil {
		return nil, err
	}
	dst := make([]float32, t.NumElements())
	return dst, f.ReadFloat32(name, dst)
}

// ReadFloat32 converts the named tensor's values to float32 into dst, which
// must hold exactly its number of elements. It reads a chunk at a time, so
// converting a half-precision tensor needs no second full-size buffer.
func (f *File) ReadFloat32(name string, dst []float32) error {
	t, err := f.info(name)
	if err != nil {
		return err
	}
	if !t.DType.IsFloat() && t.DType != I64 && t.DType != I32 {
		return fmt.Errorf("safetensors %s: tensor %q: cannot convert %s to float32", f.path, name, t.DType)
	}
	if len(dst) != t.NumElements() {
		return fmt.Errorf("safetensors %s: tensor %q has %d elements, destination has %d", f.path, name, t.NumElements(), len(dst))
	}
	return f.chunks(t, func(raw []byte, first int) {
		decodeFloat32(t.DType, raw, dst[first:first+len(raw)/t.DType.Size()])
	})
}

// Int64s returns the values of the named I64 or I32 tensor.
func (f *File) Int64s(name string) ([]int64, error) {
	t, err := f.info(name)
	if err != nil {
		return nil, err
	}
	if t.DType != I64 && t.DType != I32 {
		return nil, fmt.Errorf("safetensors %s: tensor %q is %s, not an integer tensor", f.path, name, t.DType)
	}
	dst := make([]int64, t.NumElements())
	err = f.chunks(t, func(raw []byte, first int) {
		decodeInt64(t.DType, raw, dst[first:first+len(raw)/t.DType.Size()])
	})
	return dst, err
}

// chunks reads t's bytes at most chunkSize at a time (whole elements) and
// passes each chunk with the index of its first element to fn.
func (f *File) chunks(t TensorInfo, fn func(raw []byte, first int)) error {
	elem := int64(t.DType.Size())
	step := chunkSize / elem * elem
	buf := make([]byte, min(step, t.Size))
	for done := int64(0); done < t.Size; {
		n := min(step, t.Size-done)
		if err := f.readAt(t, buf[:n], t.Offset+done); err != nil {
			return err
		}
		fn(buf[:n], int(done/elem))
		done += n
	}
	return nil
}
