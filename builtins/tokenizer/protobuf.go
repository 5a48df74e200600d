package tokenizer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Protocol buffer wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// protoReader walks the fields of one protocol buffer message. It knows the
// wire format only; the caller knows what each field number means.
type protoReader struct {
	buf []byte
	pos int
}

// protoField is one field read by protoReader.next: its number and wire
// type, and its value (varint and fixed values in num, bytes in data).
type protoField struct {
	num   int
	wire  int
	num64 uint64
	data  []byte
}

var errTruncated = errors.New("truncated message")

func (r *protoReader) done() bool { return r.pos >= len(r.buf) }

func (r *protoReader) varint() (uint64, error) {
	v, n := binary.Uvarint(r.buf[r.pos:])
	if n <= 0 {
		if n == 0 {
			return 0, errTruncated
		}
		return 0, errors.New("varint overflows 64 bits")
	}
	r.pos += n
	return v, nil
}

// next reads the next field. Groups (wire types 3 and 4) are an error: no
// SentencePiece model uses them.
func (r *protoReader) next() (protoField, error) {
	at := r.pos
	key, err := r.varint()
	if err != nil {
		return protoField{}, fmt.Errorf("byte %d: field key: %w", at, err)
	}
	f := protoField{num: int(key >> 3), wire: int(key & 7)}
	if key>>3 == 0 || key>>3 > math.MaxInt32 {
		return protoField{}, fmt.Errorf("byte %d: invalid field number %d", at, key>>3)
	}
	switch f.wire {
	case wireVarint:
		f.num64, err = r.varint()
	case wireFixed64:
		if len(r.buf)-r.pos < 8 {
			return protoField{}, fmt.Errorf("byte %d: field %d: %w", at, f.num, errTruncated)
		}
		f.num64 = binary.LittleEndian.Uint64(r.buf[r.pos:])
		r.pos += 8
	case wireFixed32:
		if len(r.buf)-r.pos < 4 {
			return protoField{}, fmt.Errorf("byte %d: field %d: %w", at, f.num, errTruncated)
		}
		f.num64 = uint64(binary.LittleEndian.Uint32(r.buf[r.pos:]))
		r.pos += 4
	case wireBytes:
		var n uint64
		n, err = r.varint()
		if err == nil && n > uint64(len(r.buf)-r.pos) {
			err = errTruncated
		}
		if err == nil {
			f.data = r.buf[r.pos : r.pos+int(n)]
			r.pos += int(n)
		}
	default:
		return protoField{}, fmt.Errorf("byte %d: field %d has unsupported wire type %d", at, f.num, f.wire)
	}
	if err != nil {
		return protoField{}, fmt.Errorf("byte %d: field %d: %w", at, f.num, err)
	}
	return f, nil
}

// eachField calls fn for each field of the message in data, stopping at
// the first error.
func eachField(data []byte, fn func(f protoField) error) error {
	r := protoReader{buf: data}
	for !r.done() {
		f, err := r.next()
		if err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// int32 returns a varint field as the int32 it encodes (negative int32
// values are sign-extended to 64 bits on the wire).
func (f protoField) int32() int32 { return int32(f.num64) }

// bool returns a varint field as a bool.
func (f protoField) bool() bool { return f.num64 != 0 }

// float32 returns a fixed32 field as the float it encodes.
func (f protoField) float32() float32 { return math.Float32frombits(uint32(f.num64)) }

// expect checks that the field has the wire type its number calls for.
func (f protoField) expect(wire int, name string) error {
	if f.wire != wire {
		return fmt.Errorf("field %d (%s) has wire type %d, want %d", f.num, name, f.wire, wire)
	}
	return nil
}
