package gguf

import "fmt"

// ValueType is the type of a metadata value, as a GGUF file numbers it.
type ValueType uint32

// The GGUF metadata value types.
const (
	ValueUint8   ValueType = 0
	ValueInt8    ValueType = 1
	ValueUint16  ValueType = 2
	ValueInt16   ValueType = 3
	ValueUint32  ValueType = 4
	ValueInt32   ValueType = 5
	ValueFloat32 ValueType = 6
	ValueBool    ValueType = 7
	ValueString  ValueType = 8
	ValueArray   ValueType = 9
	ValueUint64  ValueType = 10
	ValueInt64   ValueType = 11
	ValueFloat64 ValueType = 12
)

// valueTypeNames is indexed by ValueType.
var valueTypeNames = [...]string{
	"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
	"bool", "string", "array", "uint64", "int64", "float64",
}

// String returns the type's name: "uint32", "string", "array", ….
func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("value type %d", uint32(t))
}

// size returns the number of bytes of a fixed-size value, 0 for strings and
// arrays.
func (t ValueType) size() int {
	switch t {
	case ValueUint8, ValueInt8, ValueBool:
		return 1
	case ValueUint16, ValueInt16:
		return 2
	case ValueUint32, ValueInt32, ValueFloat32:
		return 4
	case ValueUint64, ValueInt64, ValueFloat64:
		return 8
	}
	return 0
}

// KV is one metadata key and its value. A value is held as the Go type of
// its GGUF type: uint8, int8, uint16, int16, uint32, int32, float32, bool,
// string, uint64, int64 or float64; an array as a slice of one of those
// ([]uint32, []string, …); an array of arrays as []any whose elements are
// such slices (or []any again, for deeper nesting).
type KV struct {
	Key   string
	Value any
}

// Type returns the GGUF type of the value, and false when the Go value has
// none (an int, a map, …).
func (kv KV) Type() (ValueType, bool) { return typeOf(kv.Value) }

// typeOf returns the GGUF type of a Go value.
func typeOf(v any) (ValueType, bool) {
	switch v.(type) {
	case uint8:
		return ValueUint8, true
	case int8:
		return ValueInt8, true
	case uint16:
		return ValueUint16, true
	case int16:
		return ValueInt16, true
	case uint32:
		return ValueUint32, true
	case int32:
		return ValueInt32, true
	case float32:
		return ValueFloat32, true
	case bool:
		return ValueBool, true
	case string:
		return ValueString, true
	case uint64:
		return ValueUint64, true
	case int64:
		return ValueInt64, true
	case float64:
		return ValueFloat64, true
	}
	if _, ok := elemType(v); ok {
		return ValueArray, true
	}
	return 0, false
}

// elemType returns the element type of an array value.
func elemType(v any) (ValueType, bool) {
	switch v.(type) {
	case []uint8:
		return ValueUint8, true
	case []int8:
		return ValueInt8, true
	case []uint16:
		return ValueUint16, true
	case []int16:
		return ValueInt16, true
	case []uint32:
		return ValueUint32, true
	case []int32:
		return ValueInt32, true
	case []float32:
		return ValueFloat32, true
	case []bool:
		return ValueBool, true
	case []string:
		return ValueString, true
	case []uint64:
		return ValueUint64, true
	case []int64:
		return ValueInt64, true
	case []float64:
		return ValueFloat64, true
	case []any:
		return ValueArray, true
	}
	return 0, false
}

// describe names the type of a value for an error: "uint32", "array of
// string", "Go int".
func describe(v any) string {
	t, ok := typeOf(v)
	switch {
	case !ok:
		return fmt.Sprintf("Go %T", v)
	case t == ValueArray:
		e, _ := elemType(v)
		return "array of " + e.String()
	}
	return t.String()
}
