package gguf

import (
	"fmt"
	"math"
	"slices"
)

// Metadata returns the key/values in file order. The values (arrays
// included) are the File's own: do not modify them.
func (f *File) Metadata() []KV { return slices.Clone(f.kvs) }

// Lookup returns the entry of key and whether the file has it.
func (f *File) Lookup(key string) (KV, bool) {
	i, ok := f.keys[key]
	if !ok {
		return KV{}, false
	}
	return f.kvs[i], true
}

// Value returns the value of key, of whatever type (see KV).
func (f *File) Value(key string) (any, error) {
	kv, ok := f.Lookup(key)
	if !ok {
		return nil, fmt.Errorf("gguf %s: key %q: %w", f.path, key, ErrNotFound)
	}
	return kv.Value, nil
}

// wrongType is the error for a value of key that is not what was asked.
func (f *File) wrongType(key string, v any, want string) error {
	return fmt.Errorf("gguf %s: key %q is %s, want %s", f.path, key, describe(v), want)
}

// String returns the value of a string key.
func (f *File) String(key string) (string, error) {
	v, err := f.Value(key)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", f.wrongType(key, v, "a string")
	}
	return s, nil
}

// Bool returns the value of a bool key.
func (f *File) Bool(key string) (bool, error) {
	v, err := f.Value(key)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, f.wrongType(key, v, "a bool")
	}
	return b, nil
}

// integer returns an integer value as an int64, or as a uint64 when it does
// not fit; ok is false for a value that is no integer.
func integer(v any) (i int64, u uint64, big, ok bool) {
	switch x := v.(type) {
	case uint8:
		return int64(x), 0, false, true
	case int8:
		return int64(x), 0, false, true
	case uint16:
		return int64(x), 0, false, true
	case int16:
		return int64(x), 0, false, true
	case uint32:
		return int64(x), 0, false, true
	case int32:
		return int64(x), 0, false, true
	case int64:
		return x, 0, false, true
	case uint64:
		if x > math.MaxInt64 {
			return 0, x, true, true
		}
		return int64(x), 0, false, true
	}
	return 0, 0, false, false
}

// Uint returns the value of a key of any integer type that is not negative.
func (f *File) Uint(key string) (uint64, error) {
	v, err := f.Value(key)
	if err != nil {
		return 0, err
	}
	i, u, big, ok := integer(v)
	switch {
	case !ok:
		return 0, f.wrongType(key, v, "an integer")
	case big:
		return u, nil
	case i < 0:
		return 0, fmt.Errorf("gguf %s: key %q is %s %d, want a non-negative integer", f.path, key, describe(v), i)
	}
	return uint64(i), nil
}

// Int returns the value of a key of any integer type that fits in an int64.
func (f *File) Int(key string) (int64, error) {
	v, err := f.Value(key)
	if err != nil {
		return 0, err
	}
	i, u, big, ok := integer(v)
	switch {
	case !ok:
		return 0, f.wrongType(key, v, "an integer")
	case big:
		return 0, fmt.Errorf("gguf %s: key %q is uint64 %d, beyond int64", f.path, key, u)
	}
	return i, nil
}

// Float returns the value of a float32 or float64 key (or of an integer
// key, converted).
func (f *File) Float(key string) (float64, error) {
	v, err := f.Value(key)
	if err != nil {
		return 0, err
	}
	switch x := v.(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	}
	i, u, big, ok := integer(v)
	switch {
	case !ok:
		return 0, f.wrongType(key, v, "a number")
	case big:
		return float64(u), nil
	}
	return float64(i), nil
}

// Strings returns the value of an array-of-string key.
func (f *File) Strings(key string) ([]string, error) { return arrayOf[string](f, key, "string") }

// Float32s returns the value of an array-of-float32 key.
func (f *File) Float32s(key string) ([]float32, error) { return arrayOf[float32](f, key, "float32") }

// arrayOf returns a copy of the value of an array key whose elements are
// of type T (named elem in the error).
func arrayOf[T any](f *File, key, elem string) ([]T, error) {
	v, err := f.Value(key)
	if err != nil {
		return nil, err
	}
	s, ok := v.([]T)
	if !ok {
		return nil, f.wrongType(key, v, "an array of "+elem)
	}
	return slices.Clone(s), nil
}

// Ints returns the value of an array key of any integer element type whose
// values fit in an int.
func (f *File) Ints(key string) ([]int, error) {
	return f.ints(key, math.MinInt, math.MaxInt)
}

// Int32s returns the value of an array key of any integer element type
// whose values fit in an int32 (tokenizer.ggml.token_type, for one).
func (f *File) Int32s(key string) ([]int32, error) {
	ints, err := f.ints(key, math.MinInt32, math.MaxInt32)
	if err != nil {
		return nil, err
	}
	out := make([]int32, len(ints))
	for i, v := range ints {
		out[i] = int32(v)
	}
	return out, nil
}

// ints converts an integer array to []int, checking that each value lies
// in [lo, hi].
func (f *File) ints(key string, lo, hi int64) ([]int, error) {
	v, err := f.Value(key)
	if err != nil {
		return nil, err
	}
	outOfRange := func(i int, x any) error {
		return fmt.Errorf("gguf %s: key %q: element %d, %v, is out of range [%d, %d]", f.path, key, i, x, lo, hi)
	}
	if u, ok := v.([]uint64); ok {
		out := make([]int, len(u))
		for i, x := range u {
			if x > uint64(hi) {
				return nil, outOfRange(i, x)
			}
			out[i] = int(x)
		}
		return out, nil
	}
	s, ok := int64s(v)
	if !ok {
		return nil, f.wrongType(key, v, "an array of integers")
	}
	out := make([]int, len(s))
	for i, x := range s {
		if x < lo || x > hi {
			return nil, outOfRange(i, x)
		}
		out[i] = int(x)
	}
	return out, nil
}

// int64s converts an array of any integer type but uint64 to []int64.
func int64s(v any) ([]int64, bool) {
	switch s := v.(type) {
	case []uint8:
		return widen(s), true
	case []int8:
		return widen(s), true
	case []uint16:
		return widen(s), true
	case []int16:
		return widen(s), true
	case []uint32:
		return widen(s), true
	case []int32:
		return widen(s), true
	case []int64:
		return s, true
	}
	return nil, false
}

func widen[T uint8 | int8 | uint16 | int16 | uint32 | int32](s []T) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}
