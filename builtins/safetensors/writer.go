package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/golora/golora/internal/atomicfile"
)

// Tensor is one tensor to write: its raw little-endian bytes with dtype and
// shape.
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []byte
}

// Float32Tensor returns a tensor of the given shape holding values in dtype
// F32, F16 or BF16 (the last two rounded to nearest even).
func Float32Tensor(name string, dtype DType, shape []int, values []float32) (Tensor, error) {
	t := Tensor{Name: name, DType: dtype, Shape: slices.Clone(shape)}
	le := binary.LittleEndian
	switch dtype {
	case F32:
		t.Data = make([]byte, 4*len(values))
		for i, v := range values {
			le.PutUint32(t.Data[4*i:], math.Float32bits(v))
		}
	case F16, BF16:
		conv := Float32ToHalf
		if dtype == BF16 {
			conv = Float32ToBFloat16
		}
		t.Data = make([]byte, 2*len(values))
		for i, v := range values {
			le.PutUint16(t.Data[2*i:], conv(v))
		}
	default:
		return Tensor{}, fmt.Errorf("safetensors: tensor %q: Float32Tensor writes F32, F16 or BF16, not %q", name, dtype)
	}
	return t, t.check()
}

// check validates the tensor's dtype, shape and data length.
func (t Tensor) check() error {
	if t.Name == "" || t.Name == "__metadata__" {
		return fmt.Errorf("safetensors: invalid tensor name %q", t.Name)
	}
	size := t.DType.Size()
	if size == 0 {
		return fmt.Errorf("safetensors: tensor %q: unsupported dtype %q", t.Name, t.DType)
	}
	n := 1
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("safetensors: tensor %q: negative dimension in shape %v", t.Name, t.Shape)
		}
		n *= d
	}
	if n*size != len(t.Data) {
		return fmt.Errorf("safetensors: tensor %q: shape %v of %s needs %d bytes, got %d", t.Name, t.Shape, t.DType, n*size, len(t.Data))
	}
	return nil
}

// dtypeRank orders dtypes the way Python's safetensors lays them out
// (largest rank first), so that Write matches its output byte for byte.
var dtypeRank = map[DType]int{F16: 0, BF16: 1, I32: 2, F32: 3, F64: 4, I64: 5}

// Write saves tensors and metadata (nil for none) to path atomically: it
// writes a temporary file in the same folder, syncs it and renames it over
// path, so that a reader never sees a partial file. Tensors are laid out by
// dtype then name, and the header is padded with spaces to 8 bytes, as Python's
// safetensors does.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	sorted := slices.Clone(tensors)
	seen := map[string]bool{}
	for _, t := range sorted {
		if err := t.check(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		if seen[t.Name] {
			return fmt.Errorf("safetensors: writing %s: tensor %q given twice", path, t.Name)
		}
		seen[t.Name] = true
	}
	slices.SortFunc(sorted, func(a, b Tensor) int {
		if r := dtypeRank[b.DType] - dtypeRank[a.DType]; r != 0 {
			return r
		}
		return strings.Compare(a.Name, b.Name)
	})
	header := encodeHeader(sorted, metadata)
	return writeAtomic(path, func(w *os.File) error {
		var prefix [8]byte
		binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
		if _, err := w.Write(prefix[:]); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		for _, t := range sorted {
			if _, err := w.Write(t.Data); err != nil {
				return err
			}
		}
		return nil
	})
}

// encodeHeader returns the JSON header for tensors in their data order,
// padded with spaces to a multiple of 8 bytes.
func encodeHeader(tensors []Tensor, metadata map[string]string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if metadata != nil {
		b.WriteString(`"__metadata__":{`)
		for i, k := range slices.Sorted(maps.Keys(metadata)) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeJSONString(&b, k)
			b.WriteByte(':')
			writeJSONString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	offset := 0
	for i, t := range tensors {
		if i > 0 || metadata != nil {
			b.WriteByte(',')
		}
		writeJSONString(&b, t.Name)
		fmt.Fprintf(&b, `:{"dtype":"%s","shape":[`, t.DType)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, d)
		}
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, offset+len(t.Data))
		offset += len(t.Data)
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes()
}

// writeJSONString writes s as a JSON string without HTML escaping, as serde
// does.
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // A string always encodes.
	b.Truncate(b.Len() - 1) // Encode appends a newline.
}

// writeAtomic writes a file through fill, atomically.
func writeAtomic(path string, fill func(*os.File) error) error {
	if err := atomicfile.WriteFunc(path, fill); err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", path, err)
	}
	return nil
}
