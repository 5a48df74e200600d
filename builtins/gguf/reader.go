package gguf

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
)

// DefaultAlignment is the alignment of tensor data when general.alignment
// is absent.
const DefaultAlignment = 32

// AlignmentKey is the metadata key that sets the alignment of tensor data.
const AlignmentKey = "general.alignment"

// maxDims is ggml's GGML_MAX_DIMS: a tensor has at most four dimensions.
const maxDims = 4

// chunkSize is about how many bytes ReadFloat32 reads at a time.
const chunkSize = 1 << 20

var (
	// ErrFormat is wrapped by every error about a malformed or hostile file.
	ErrFormat = errors.New("invalid GGUF file")
	// ErrNotFound is wrapped by the error for a key or tensor that the file
	// does not have.
	ErrNotFound = errors.New("not found")
)

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name string
	// Dims are the dimensions in GGUF (ggml) order: Dims[0], ggml's ne[0],
	// varies fastest. The row-major shape that PyTorch and NumPy use is
	// Dims reversed (see Shape): a weight of out×in is stored as [in, out].
	Dims []int
	Type Type
	// Offset is the position of the tensor's first byte in the file (the
	// file stores it relative to the data section; this is absolute). Size
	// is its number of bytes.
	Offset, Size int64
}

// NumElements returns the product of the dimensions.
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Shape returns the dimensions in row-major order (Dims reversed), the
// shape PyTorch would give the tensor.
func (t TensorInfo) Shape() []int {
	s := slices.Clone(t.Dims)
	slices.Reverse(s)
	return s
}

// File is an open GGUF file whose header (metadata and tensor infos) has
// been read and checked. Tensor data is read on demand. A File is safe for
// concurrent use.
type File struct {
	path       string
	r          io.ReaderAt
	closer     io.Closer
	size       int64
	version    int
	alignment  int
	dataOffset int64
	kvs        []KV           // In file order.
	keys       map[string]int // Index into kvs.
	tensors    []TensorInfo   // In file order.
	byName     map[string]int // Index into tensors.
}

// Open opens a GGUF file and reads its header.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gguf: %w", err)
	}
	file, err := NewFile(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, err
	}
	file.closer = f
	return file, nil
}

// NewFile reads the header of the GGUF data of the given size that r holds;
// path names it in errors. Close on the result does not close r.
func NewFile(r io.ReaderAt, size int64, path string) (*File, error) {
	f := &File{path: path, r: r, size: size, alignment: DefaultAlignment,
		keys: map[string]int{}, byName: map[string]int{}}
	if err := f.readHeader(newDecoder(r, size)); err != nil {
		if _, ok := errors.AsType[*readError](err); ok {
			return nil, fmt.Errorf("gguf %s: %w", path, err)
		}
		return nil, fmt.Errorf("gguf %s: %w: %w", path, ErrFormat, err)
	}
	return f, nil
}

// readHeader reads the magic, version, metadata and tensor infos.
func (f *File) readHeader(d *decoder) error {
	if err := f.readVersion(d); err != nil {
		return err
	}
	nTensors, err := d.u64()
	if err != nil {
		return fmt.Errorf("tensor count: %w", err)
	}
	nKV, err := d.u64()
	if err != nil {
		return fmt.Errorf("metadata count: %w", err)
	}
	// A key/value takes at least 13 bytes, a tensor info at least 24.
	if nKV > uint64(d.left()/13) {
		return fmt.Errorf("the header claims %d metadata entries, more than the %d bytes after it can hold: %w", nKV, d.left(), truncated(d.pos, int64(min(nKV, math.MaxInt64/13))*13, d.size))
	}
	for i := range int(nKV) {
		if err := f.readKV(d, i); err != nil {
			return err
		}
	}
	if err := f.readAlignment(); err != nil {
		return err
	}
	if nTensors > uint64(d.left()/24) {
		return fmt.Errorf("the header claims %d tensors, more than the %d bytes after the metadata can hold: %w", nTensors, d.left(), truncated(d.pos, int64(min(nTensors, math.MaxInt64/24))*24, d.size))
	}
	f.tensors = make([]TensorInfo, 0, min(nTensors, sliceChunk))
	for i := range int(nTensors) {
		if err := f.readTensorInfo(d, i); err != nil {
			return err
		}
	}
	f.dataOffset = alignUp(d.pos, int64(f.alignment))
	return f.placeTensors()
}

// readVersion checks the magic and the version.
func (f *File) readVersion(d *decoder) error {
	if d.size < 8 {
		return fmt.Errorf("%d bytes, shorter than the 8-byte GGUF preamble: %w", d.size, truncated(0, 8, d.size))
	}
	b, err := d.fixed(8)
	if err != nil {
		return err
	}
	switch magic := string(b[:4]); magic {
	case "GGUF":
	case "lmgg", "fmgg", "tjgg", "algg": // "ggml", "ggmf", "ggjt", "ggla" stored little-endian.
		return errors.New("this is a legacy GGML file, from before GGUF (August 2023): convert it with llama.cpp's convert_llama_ggml_to_gguf.py, or get the model as GGUF")
	default:
		return fmt.Errorf("not a GGUF file: it starts with %q, not \"GGUF\"", magic)
	}
	v := binary.LittleEndian.Uint32(b[4:])
	switch {
	case v == 2 || v == 3:
		f.version = int(v)
		return nil
	case v&0xffff == 0 && v != 0:
		return fmt.Errorf("the file is big-endian (its version reads 0x%08x; byte-swapped it is %d): golora reads little-endian GGUF only; convert it with the gguf Python package's `gguf-convert-endian FILE little`", v, swap32(v))
	case v == 1:
		return errors.New("GGUF version 1 (32-bit counts, from 2023): golora reads versions 2 and 3; convert the model again with a current llama.cpp")
	}
	return fmt.Errorf("GGUF version %d: golora reads versions 2 and 3", v)
}

func swap32(v uint32) uint32 {
	return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24
}

// readKV reads metadata entry i.
func (f *File) readKV(d *decoder, i int) error {
	start := d.pos
	key, err := d.string()
	if err != nil {
		return fmt.Errorf("metadata entry %d (byte %d): key: %w", i, start, err)
	}
	raw, err := d.u32()
	if err != nil {
		return fmt.Errorf("key %q (byte %d): %w", key, start, err)
	}
	v, err := d.value(ValueType(raw), 0)
	if err != nil {
		return fmt.Errorf("key %q (byte %d): %w", key, start, err)
	}
	if _, dup := f.keys[key]; dup {
		return fmt.Errorf("key %q appears twice (again at byte %d)", key, start)
	}
	f.keys[key] = len(f.kvs)
	f.kvs = append(f.kvs, KV{Key: key, Value: v})
	return nil
}

// readAlignment applies general.alignment, which must be a uint32 power of
// two.
func (f *File) readAlignment() error {
	i, ok := f.keys[AlignmentKey]
	if !ok {
		return nil
	}
	a, ok := f.kvs[i].Value.(uint32)
	if !ok {
		return fmt.Errorf("key %q is %s, want uint32", AlignmentKey, describe(f.kvs[i].Value))
	}
	if a == 0 || a&(a-1) != 0 || a > 1<<30 {
		return fmt.Errorf("key %q is %d, want a power of two", AlignmentKey, a)
	}
	f.alignment = int(a)
	return nil
}

// readTensorInfo reads tensor info i: name, dimensions, type and offset.
func (f *File) readTensorInfo(d *decoder, i int) error {
	start := d.pos
	name, err := d.string()
	if err != nil {
		return fmt.Errorf("tensor %d (byte %d): name: %w", i, start, err)
	}
	fail := func(err error) error { return fmt.Errorf("tensor %q (byte %d): %w", name, start, err) }
	nDims, err := d.u32()
	if err != nil {
		return fail(err)
	}
	if nDims > maxDims {
		return fail(fmt.Errorf("%d dimensions, more than ggml's %d", nDims, maxDims))
	}
	raw := make([]uint64, nDims)
	for j := range raw {
		if raw[j], err = d.u64(); err != nil {
			return fail(err)
		}
	}
	typ, err := d.u32()
	if err != nil {
		return fail(err)
	}
	offset, err := d.u64()
	if err != nil {
		return fail(err)
	}
	info, err := f.tensorInfo(name, raw, Type(typ), offset)
	if err != nil {
		return fail(err)
	}
	if _, dup := f.byName[name]; dup {
		return fail(errors.New("a second tensor of that name"))
	}
	f.byName[name] = len(f.tensors)
	f.tensors = append(f.tensors, info)
	return nil
}

// tensorInfo checks a tensor's type and dimensions against the file size
// and returns its description, Offset still relative to the data section.
func (f *File) tensorInfo(name string, raw []uint64, t Type, offset uint64) (TensorInfo, error) {
	if !t.Known() {
		return TensorInfo{}, fmt.Errorf("unknown tensor type %d: golora reads %s", uint32(t), supportedList())
	}
	bs, bb := uint64(t.BlockSize()), uint64(t.BlockBytes())
	dims := make([]int, len(raw))
	elems := uint64(1)
	for j, n := range raw {
		hi, lo := bits.Mul64(elems, n)
		if hi != 0 || lo > math.MaxInt64 {
			return TensorInfo{}, fmt.Errorf("dimensions %v: their product overflows", raw)
		}
		elems = lo
		dims[j] = int(n)
	}
	hi, size := bits.Mul64(elems/bs, bb)
	if hi != 0 || size > uint64(f.size) {
		return TensorInfo{}, fmt.Errorf("dimensions %v of %s need more bytes than the whole %d-byte file: the file is truncated or corrupt; download it again", raw, t, f.size)
	}
	if len(raw) > 0 && raw[0]%bs != 0 {
		return TensorInfo{}, fmt.Errorf("dimensions %v: the first, %d, is not a multiple of %s's block of %d", raw, raw[0], t, bs)
	}
	if offset%uint64(f.alignment) != 0 {
		return TensorInfo{}, fmt.Errorf("offset %d is not a multiple of the alignment %d", offset, f.alignment)
	}
	if offset > uint64(f.size) {
		return TensorInfo{}, fmt.Errorf("offset %d is past the end of the file: %w", offset, truncated(int64(offset), 0, f.size))
	}
	return TensorInfo{Name: name, Dims: dims, Type: t, Offset: int64(offset), Size: int64(size)}, nil
}

// placeTensors makes offsets absolute and checks that every tensor lies
// inside the file and that none overlap.
func (f *File) placeTensors() error {
	order := make([]int, len(f.tensors))
	for i := range f.tensors {
		t := &f.tensors[i]
		t.Offset += f.dataOffset
		if end := t.Offset + t.Size; end > f.size {
			return fmt.Errorf("tensor %q: its data, bytes %d to %d, runs past the end: %w", t.Name, t.Offset, end, truncated(t.Offset, t.Size, f.size))
		}
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(f.tensors[a].Offset, f.tensors[b].Offset) })
	for k := 1; k < len(order); k++ {
		prev, t := f.tensors[order[k-1]], f.tensors[order[k]]
		if t.Offset < prev.Offset+prev.Size {
			return fmt.Errorf("tensor %q (bytes %d to %d) overlaps tensor %q (bytes %d to %d)",
				t.Name, t.Offset, t.Offset+t.Size, prev.Name, prev.Offset, prev.Offset+prev.Size)
		}
	}
	return nil
}

func alignUp(n, a int64) int64 { return (n + a - 1) / a * a }

// Path returns the name the file was opened with.
func (f *File) Path() string { return f.path }

// Close closes the underlying file.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Version returns the GGUF version of the file (2 or 3).
func (f *File) Version() int { return f.version }

// Alignment returns the alignment of tensor data in bytes.
func (f *File) Alignment() int { return f.alignment }

// DataOffset returns the position of the tensor data section in the file.
func (f *File) DataOffset() int64 { return f.dataOffset }

// Tensors returns the descriptions of the tensors, in the order of the
// header.
func (f *File) Tensors() []TensorInfo {
	out := make([]TensorInfo, len(f.tensors))
	for i, t := range f.tensors {
		t.Dims = slices.Clone(t.Dims)
		out[i] = t
	}
	return out
}

// Tensor returns the description of the named tensor and whether it exists.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.byName[name]
	if !ok {
		return TensorInfo{}, false
	}
	t := f.tensors[i]
	t.Dims = slices.Clone(t.Dims)
	return t, true
}

// info returns the named tensor or an error naming the file.
func (f *File) info(name string) (TensorInfo, error) {
	i, ok := f.byName[name]
	if !ok {
		return TensorInfo{}, fmt.Errorf("gguf %s: tensor %q: %w", f.path, name, ErrNotFound)
	}
	return f.tensors[i], nil
}

// TensorData returns the raw bytes of the named tensor, as the file stores
// them.
func (f *File) TensorData(name string) ([]byte, error) {
	t, err := f.info(name)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, t.Size)
	return buf, f.readAt(t, buf, t.Offset)
}

func (f *File) readAt(t TensorInfo, buf []byte, off int64) error {
	if _, err := f.r.ReadAt(buf, off); err != nil {
		return fmt.Errorf("gguf %s: tensor %q: reading %d bytes at byte %d: %w", f.path, t.Name, len(buf), off, err)
	}
	return nil
}

// Float32 returns the named tensor's values, dequantized to float32, in
// the file's order (Dims[0] fastest).
func (f *File) Float32(name string) ([]float32, error) {
	t, err := f.info(name)
	if err != nil {
		return nil, err
	}
	if !t.Type.CanDequantize() {
		return nil, fmt.Errorf("gguf %s: tensor %q has %w", f.path, name, unsupportedError(t.Type))
	}
	dst := make([]float32, t.NumElements())
	return dst, f.ReadFloat32(name, dst)
}

// ReadFloat32 dequantizes the named tensor into dst, which must hold
// exactly its number of elements. It reads about a megabyte at a time, so
// no copy of the tensor's bytes is held whole.
func (f *File) ReadFloat32(name string, dst []float32) error {
	t, err := f.info(name)
	if err != nil {
		return err
	}
	dequant := dequantizers[t.Type]
	if dequant == nil {
		return fmt.Errorf("gguf %s: tensor %q has %w", f.path, name, unsupportedError(t.Type))
	}
	if n := t.NumElements(); len(dst) != n {
		return fmt.Errorf("gguf %s: tensor %q has %d elements, the destination %d", f.path, name, n, len(dst))
	}
	bs, bb := int64(t.Type.BlockSize()), int64(t.Type.BlockBytes())
	step := max(chunkSize/bb, 1) * bb
	buf := make([]byte, min(step, t.Size))
	for done := int64(0); done < t.Size; {
		n := min(step, t.Size-done)
		if err := f.readAt(t, buf[:n], t.Offset+done); err != nil {
			return err
		}
		first := done / bb * bs
		dequant(dst[first:first+n/bb*bs], buf[:n])
		done += n
	}
	return nil
}
