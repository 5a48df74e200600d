package chat

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/ardanlabs/jinja"

	"github.com/golora/golora/builtins/data"
)

// KeyOrder is the key under which a map may list the order of its keys,
// as a []string. Go maps have no order, but a template's tojson writes
// keys in the order the conversation had them (Python dicts keep it), so
// DecodeMessages and DecodeTools record each JSON object's order under
// KeyOrder. Keys it does not list follow, sorted; a map without it is
// sorted. Templates never see KeyOrder itself. It is package data's key,
// under which a conversation dataset's turns record their order.
const KeyOrder = data.KeyOrder

// DecodeMessages decodes a JSON array of messages, keeping each object's
// key order (see KeyOrder) and integers apart from floats, as Python's
// json module does.
func DecodeMessages(b []byte) ([]Message, error) {
	maps, err := decodeObjects(b)
	if err != nil {
		return nil, fmt.Errorf("chat messages: %w", err)
	}
	return maps, nil
}

// DecodeTools decodes a JSON array of tool definitions (JSON schemas, as
// Options.Tools takes them), keeping key order as DecodeMessages does.
func DecodeTools(b []byte) ([]map[string]any, error) {
	maps, err := decodeObjects(b)
	if err != nil {
		return nil, fmt.Errorf("chat tools: %w", err)
	}
	return maps, nil
}

func decodeObjects(b []byte) ([]map[string]any, error) {
	v, err := data.DecodeOrdered(b)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("want a JSON array, got %T", v)
	}
	maps := make([]map[string]any, len(list))
	for i, item := range list {
		if maps[i], ok = item.(map[string]any); !ok {
			return nil, fmt.Errorf("item %d is not a JSON object", i)
		}
	}
	return maps, nil
}

// orderedKeys returns m's keys in the order KeyOrder gives, then the rest
// sorted.
func orderedKeys(m map[string]any) []string {
	order, _ := m[KeyOrder].([]string)
	keys := make([]string, 0, len(m))
	for _, k := range order {
		if _, ok := m[k]; ok && k != KeyOrder && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var rest []string
	for k := range m {
		if k != KeyOrder && !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(keys, rest...)
}

// markStart and markEnd enclose the output of {% generation %} blocks
// in RenderSpans; a value that holds either is refused.
const (
	markStart = "\uFDD0"
	markEnd   = "\uFDD1"
)

// toValue converts a Go value to the engine's, maps in their KeyOrder
// order. dropNil drops the map's keys whose value is nil, as transformers
// does with each message.
func toValue(v any, dropNil bool) (jinja.Value, error) {
	switch x := v.(type) {
	case nil:
		return jinja.None(), nil
	case string:
		if strings.Contains(x, markStart) || strings.Contains(x, markEnd) {
			return jinja.Undefined(), fmt.Errorf("text holds U+FDD0 or U+FDD1, which golora reserves for marking {%% generation %%} output")
		}
		return jinja.NewString(x), nil
	case bool:
		return jinja.NewBool(x), nil
	case json.Number:
		if !strings.ContainsAny(string(x), ".eE") {
			if i, err := x.Int64(); err == nil {
				return jinja.NewInt(i), nil
			}
		}
		f, err := x.Float64()
		if err != nil {
			return jinja.Undefined(), err
		}
		return jinja.NewFloat(f), nil
	case map[string]any:
		d := jinja.NewDict()
		for _, k := range orderedKeys(x) {
			if dropNil && x[k] == nil {
				continue
			}
			item, err := toValue(x[k], false)
			if err != nil {
				return jinja.Undefined(), fmt.Errorf("%q: %w", k, err)
			}
			d.AsDict().Set(k, item)
		}
		return d, nil
	}
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return jinja.NewInt(r.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return jinja.NewInt(int64(r.Uint())), nil
	case reflect.Float32, reflect.Float64:
		return jinja.NewFloat(r.Float()), nil
	case reflect.String:
		return toValue(r.String(), false)
	case reflect.Slice, reflect.Array:
		if r.Kind() == reflect.Slice && r.IsNil() {
			return jinja.None(), nil
		}
		items := make([]jinja.Value, r.Len())
		for i := range items {
			item, err := toValue(r.Index(i).Interface(), false)
			if err != nil {
				return jinja.Undefined(), fmt.Errorf("[%d]: %w", i, err)
			}
			items[i] = item
		}
		return jinja.NewList(items), nil
	case reflect.Map:
		if r.Type().Key().Kind() != reflect.String {
			break
		}
		m := make(map[string]any, r.Len())
		for it := r.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return toValue(m, false)
	case reflect.Pointer, reflect.Interface:
		if r.IsNil() {
			return jinja.None(), nil
		}
		return toValue(r.Elem().Interface(), false)
	}
	return jinja.Undefined(), fmt.Errorf("a template cannot read a %T", v)
}
