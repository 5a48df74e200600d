package data

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// KeyOrder is the key under which Conversation records the order of an
// object's keys, as a []string, in each turn and in every object inside
// one (such as a tool call's arguments). A Go map has no order of its own,
// but a chat template's tojson writes keys in the order the file had them,
// as Python's dicts keep it; builtins/chat reads the order under this key
// and never shows the key to a template.
const KeyOrder = "\x00order"

// DecodeOrdered decodes the JSON value b, each object as a map that
// records its key order under KeyOrder and numbers as json.Number, so that
// an integer stays apart from a float as it does in Python; a key of the
// file named KeyOrder is dropped. Chat templates read such values (package
// chat's DecodeMessages).
func DecodeOrdered(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// decodeOrdered is DecodeOrdered of JSON known to be valid.
func decodeOrdered(b []byte) any {
	v, _ := DecodeOrdered(b)
	return v
}

// decodeValue decodes the next value of d.
func decodeValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return tok, nil
	}
	if delim == '[' {
		list := []any{}
		for d.More() {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		_, err := d.Token() // ']'
		return list, err
	}
	m := map[string]any{}
	var order []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return nil, err
		}
		key, _ := k.(string)
		v, err := decodeValue(d)
		if err != nil {
			return nil, err
		}
		if key == KeyOrder {
			continue // a key of the file cannot take KeyOrder's place
		}
		m[key] = v
		if !slices.Contains(order, key) {
			order = append(order, key)
		}
	}
	m[KeyOrder] = order
	_, err = d.Token() // '}'
	return m, err
}
