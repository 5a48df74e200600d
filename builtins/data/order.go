package data

import (
	"bytes"
	"encoding/json"
	"slices"
)

// KeyOrder is the key under which Conversation records the order of an
// object's keys, as a []string, in each turn and in every object inside
// one (such as a tool call's arguments). A Go map has no order of its own,
// but a chat template's tojson writes keys in the order the file had them,
// as Python's dicts keep it; builtins/chat reads the order under this key
// and never shows the key to a template.
const KeyOrder = "\x00order"

// decodeOrdered decodes the valid JSON value b, each object as a map that
// records its key order under KeyOrder and numbers as json.Number, so that
// an integer stays apart from a float as it does in Python.
func decodeOrdered(b []byte) any {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return decodeValue(d)
}

// decodeValue decodes the next value of d, which reads valid JSON.
func decodeValue(d *json.Decoder) any {
	tok, _ := d.Token()
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok
	}
	if delim == '[' {
		list := []any{}
		for d.More() {
			list = append(list, decodeValue(d))
		}
		d.Token() // ']'
		return list
	}
	m := map[string]any{}
	var order []string
	for d.More() {
		k, _ := d.Token()
		key, _ := k.(string)
		v := decodeValue(d)
		if key == KeyOrder {
			continue // a key of the file cannot take KeyOrder's place
		}
		m[key] = v
		if !slices.Contains(order, key) {
			order = append(order, key)
		}
	}
	d.Token() // '}'
	m[KeyOrder] = order
	return m
}
