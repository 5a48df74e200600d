package rdata

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// ErrUnsupported reports an object type this package does not read.
var ErrUnsupported = errors.New("rdata: unsupported object")

// Flag bits of an item header: the type is the low byte; levels (the
// encoding of a Char) sit above bit 12.
const (
	flagAttr = 1 << 9
	flagTag  = 1 << 10

	levelBytes  = 1 << 1
	levelLatin1 = 1 << 2
	levelUTF8   = 1 << 3
	levelASCII  = 1 << 6
)

// Marker types that carry no payload beyond their header.
const (
	refType   = 255
	nilMarker = 254
	altrep    = 238
)

// Unserialize decodes one object written by R's serialize (or the payload
// of an .rds file once decompressed) in XDR format, version 2 or 3.
func Unserialize(data []byte) (*Value, error) {
	d := &decoder{data: data}
	v, err := d.stream()
	if err != nil {
		return nil, fmt.Errorf("rdata: at byte %d: %w", d.pos, err)
	}
	return v, nil
}

type decoder struct {
	data   []byte
	pos    int
	native string   // the writer's native encoding (version 3)
	refs   []*Value // objects later items may refer to, from 1
}

func (d *decoder) stream() (*Value, error) {
	if !bytes.HasPrefix(d.data, []byte("X\n")) {
		return nil, errors.New(`not R XDR serialization (want "X\n" first; ASCII and native binary formats are not read)`)
	}
	d.pos = 2
	version, err := d.int()
	if err != nil {
		return nil, err
	}
	if version != 2 && version != 3 {
		return nil, fmt.Errorf("serialization version %d, want 2 or 3", version)
	}
	if _, err := d.int(); err != nil { // R version that wrote it
		return nil, err
	}
	if _, err := d.int(); err != nil { // R version needed to read it
		return nil, err
	}
	if version == 3 {
		n, err := d.int()
		if err != nil {
			return nil, err
		}
		enc, err := d.raw(n)
		if err != nil {
			return nil, err
		}
		d.native = string(enc)
	}
	return d.item()
}

func (d *decoder) item() (*Value, error) {
	flags, err := d.int()
	if err != nil {
		return nil, err
	}
	return d.itemWith(uint32(flags))
}

func (d *decoder) itemWith(flags uint32) (*Value, error) {
	typ := flags & 0xff
	switch typ {
	case nilMarker:
		return &Value{Type: Nil}, nil
	case uint32(BaseEnv), uint32(EmptyEnv), uint32(BaseNamespace),
		uint32(MissingArg), uint32(UnboundValue), uint32(GlobalEnv):
		return &Value{Type: Type(typ)}, nil
	case refType:
		return d.ref(flags)
	case uint32(Symbol):
		name, err := d.item()
		if err != nil {
			return nil, err
		}
		if name.Type != Char {
			return nil, fmt.Errorf("symbol name has type %d, want a string (9)", name.Type)
		}
		v := &Value{Type: Symbol, Name: name.Strings[0]}
		d.refs = append(d.refs, v)
		return v, nil
	case uint32(Pairlist):
		return d.pairlist(flags)
	case uint32(Char):
		s, na, err := d.char(flags)
		if err != nil {
			return nil, err
		}
		v := &Value{Type: Char, Strings: []string{s}}
		if na {
			v.NA = []bool{true}
		}
		return v, nil
	}
	v := &Value{Type: Type(typ)}
	var err error
	switch v.Type {
	case Logical, Integer:
		err = d.ints(v)
	case Double:
		err = d.reals(v)
	case Character:
		err = d.characters(v)
	case List:
		err = d.list(v)
	default:
		if typ == altrep {
			return nil, fmt.Errorf("%w: ALTREP object (re-save it with R's serialize after materialising it)", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w: type %d", ErrUnsupported, typ)
	}
	if err != nil {
		return nil, err
	}
	if flags&flagAttr != 0 {
		if v.Attrs, err = d.item(); err != nil {
			return nil, fmt.Errorf("attributes of a type %d vector: %w", typ, err)
		}
	}
	return v, nil
}

// ref resolves a reference to an earlier symbol.
func (d *decoder) ref(flags uint32) (*Value, error) {
	i := int(flags >> 8)
	if i == 0 {
		n, err := d.int()
		if err != nil {
			return nil, err
		}
		i = int(n)
	}
	if i < 1 || i > len(d.refs) {
		return nil, fmt.Errorf("reference %d, but %d objects are known", i, len(d.refs))
	}
	return d.refs[i-1], nil
}

// pairlist reads a chain of nodes (attribute, tag, value, rest) iteratively.
func (d *decoder) pairlist(flags uint32) (*Value, error) {
	v := &Value{Type: Pairlist}
	for {
		if flags&flagAttr != 0 {
			attrs, err := d.item()
			if err != nil {
				return nil, err
			}
			if v.Attrs == nil {
				v.Attrs = attrs
			}
		}
		tag := ""
		if flags&flagTag != 0 {
			t, err := d.item()
			if err != nil {
				return nil, err
			}
			if t.Type != Symbol {
				return nil, fmt.Errorf("pairlist tag has type %d, want a symbol (1)", t.Type)
			}
			tag = t.Name
		}
		val, err := d.item()
		if err != nil {
			return nil, fmt.Errorf("pairlist element %q: %w", tag, err)
		}
		v.Tags = append(v.Tags, tag)
		v.Elems = append(v.Elems, val)
		next, err := d.int()
		if err != nil {
			return nil, err
		}
		switch uint32(next) & 0xff {
		case nilMarker:
			return v, nil
		case uint32(Pairlist):
			flags = uint32(next)
		default:
			return nil, fmt.Errorf("%w: pairlist ending in type %d", ErrUnsupported, uint32(next)&0xff)
		}
	}
}

func (d *decoder) char(flags uint32) (string, bool, error) {
	n, err := d.int()
	if err != nil {
		return "", false, err
	}
	if n == -1 {
		return "", true, nil
	}
	b, err := d.raw(n)
	if err != nil {
		return "", false, err
	}
	levels := flags >> 12
	switch {
	case levels&levelLatin1 != 0:
		return latin1(b), false, nil
	case levels&levelBytes != 0:
		return "", false, fmt.Errorf("%w: a string marked as raw bytes", ErrUnsupported)
	case levels&(levelUTF8|levelASCII) != 0 || isUTF8(d.native) || d.native == "":
		if !utf8.Valid(b) {
			return "", false, fmt.Errorf("string %.40q is not valid UTF-8", b)
		}
		return string(b), false, nil
	}
	if strings.EqualFold(d.native, "latin1") || strings.EqualFold(d.native, "ISO-8859-1") {
		return latin1(b), false, nil
	}
	return "", false, fmt.Errorf("%w: string in native encoding %q", ErrUnsupported, d.native)
}

func isUTF8(enc string) bool {
	return strings.EqualFold(enc, "UTF-8") || strings.EqualFold(enc, "UTF8")
}

func latin1(b []byte) string {
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

func (d *decoder) ints(v *Value) error {
	n, err := d.length(4)
	if err != nil {
		return err
	}
	v.Ints = make([]int32, n)
	for i := range v.Ints {
		v.Ints[i] = int32(binary.BigEndian.Uint32(d.data[d.pos:]))
		d.pos += 4
	}
	return nil
}

func (d *decoder) reals(v *Value) error {
	n, err := d.length(8)
	if err != nil {
		return err
	}
	v.Reals = make([]float64, n)
	for i := range v.Reals {
		v.Reals[i] = math.Float64frombits(binary.BigEndian.Uint64(d.data[d.pos:]))
		d.pos += 8
	}
	return nil
}

func (d *decoder) characters(v *Value) error {
	n, err := d.length(8) // each element is at least a header and a length
	if err != nil {
		return err
	}
	v.Strings = make([]string, n)
	for i := range v.Strings {
		flags, err := d.int()
		if err != nil {
			return err
		}
		if uint32(flags)&0xff != uint32(Char) {
			return fmt.Errorf("element %d of a character vector has type %d, want a string (9)", i+1, uint32(flags)&0xff)
		}
		s, na, err := d.char(uint32(flags))
		if err != nil {
			return fmt.Errorf("element %d of a character vector: %w", i+1, err)
		}
		v.Strings[i] = s
		if na {
			if v.NA == nil {
				v.NA = make([]bool, n)
			}
			v.NA[i] = true
		}
	}
	return nil
}

func (d *decoder) list(v *Value) error {
	n, err := d.length(4)
	if err != nil {
		return err
	}
	v.Elems = make([]*Value, n)
	for i := range v.Elems {
		if v.Elems[i], err = d.item(); err != nil {
			return fmt.Errorf("list element %d: %w", i+1, err)
		}
	}
	return nil
}

// length reads a vector length (long vectors included) and checks that the
// data left can hold that many elements of at least size bytes each.
func (d *decoder) length(size int) (int, error) {
	n, err := d.int()
	if err != nil {
		return 0, err
	}
	length := int64(n)
	if n == -1 {
		hi, err := d.int()
		if err != nil {
			return 0, err
		}
		lo, err := d.int()
		if err != nil {
			return 0, err
		}
		length = int64(uint32(hi))<<32 | int64(uint32(lo))
	}
	if length < 0 || length > int64(len(d.data)-d.pos)/int64(size) {
		return 0, fmt.Errorf("vector length %d does not fit in the %d bytes left", length, len(d.data)-d.pos)
	}
	return int(length), nil
}

func (d *decoder) int() (int32, error) {
	if len(d.data)-d.pos < 4 {
		return 0, errors.New("unexpected end of data")
	}
	v := int32(binary.BigEndian.Uint32(d.data[d.pos:]))
	d.pos += 4
	return v, nil
}

func (d *decoder) raw(n int32) ([]byte, error) {
	if n < 0 || int(n) > len(d.data)-d.pos {
		return nil, fmt.Errorf("string of %d bytes does not fit in the %d bytes left", n, len(d.data)-d.pos)
	}
	b := d.data[d.pos : d.pos+int(n)]
	d.pos += int(n)
	return b, nil
}
