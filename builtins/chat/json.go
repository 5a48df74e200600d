package chat

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ardanlabs/jinja"
)

// dumpOptions are the arguments of Python's json.dumps that transformers'
// tojson filter passes on.
type dumpOptions struct {
	ensureASCII bool
	indent      *string // nil: all on one line
	itemSep     string
	keySep      string
	sortKeys    bool
}

// tojson is the template function that rewritten "x | tojson(...)" calls:
// json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False), as transformers defines its tojson filter.
func tojson(args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
	names := []string{"ensure_ascii", "indent", "separators", "sort_keys"}
	if len(args) == 0 || len(args) > 1+len(names) {
		return jinja.Undefined(), fmt.Errorf("tojson takes a value and at most %d arguments", len(names))
	}
	params := map[string]jinja.Value{}
	for i, a := range args[1:] {
		params[names[i]] = a
	}
	for k, v := range kwargs {
		if !slices.Contains(names, k) {
			return jinja.Undefined(), fmt.Errorf("tojson got an unexpected keyword argument %q", k)
		}
		params[k] = v
	}
	opts := dumpOptions{itemSep: ", ", keySep: ": "}
	if v, ok := params["ensure_ascii"]; ok {
		opts.ensureASCII = v.IsTruthy()
	}
	if v, ok := params["sort_keys"]; ok {
		opts.sortKeys = v.IsTruthy()
	}
	if v, ok := params["indent"]; ok && !v.IsNone() && !v.IsUndefined() {
		var ind string
		switch {
		case v.IsInt():
			ind = strings.Repeat(" ", max(0, int(v.AsInt())))
		case v.IsString():
			ind = v.AsString()
		default:
			return jinja.Undefined(), fmt.Errorf("tojson: indent must be an integer or a string, not %s", v)
		}
		opts.indent = &ind
		opts.itemSep = ","
	}
	if v, ok := params["separators"]; ok && !v.IsNone() && !v.IsUndefined() {
		if !v.IsList() || v.AsList().Len() != 2 || !v.AsList().Get(0).IsString() || !v.AsList().Get(1).IsString() {
			return jinja.Undefined(), fmt.Errorf("tojson: separators must be two strings")
		}
		opts.itemSep, opts.keySep = v.AsList().Get(0).AsString(), v.AsList().Get(1).AsString()
	}
	var b strings.Builder
	if err := dump(&b, args[0], opts, 0); err != nil {
		return jinja.Undefined(), fmt.Errorf("tojson: %w", err)
	}
	return jinja.NewString(b.String()), nil
}

// dump writes v as Python's json.dumps does.
func dump(b *strings.Builder, v jinja.Value, opts dumpOptions, depth int) error {
	newline := func(d int) {
		if opts.indent != nil {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(*opts.indent, d))
		}
	}
	switch {
	case v.IsNone():
		b.WriteString("null")
	case v.IsBool():
		b.WriteString(map[bool]string{true: "true", false: "false"}[v.AsBool()])
	case v.IsInt():
		b.WriteString(strconv.FormatInt(v.AsInt(), 10))
	case v.IsFloat():
		b.WriteString(pyFloat(v.AsFloat()))
	case v.IsString():
		dumpString(b, v.AsString(), opts.ensureASCII)
	case v.IsList():
		items := v.AsList().Items
		if len(items) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, item := range items {
			if i > 0 {
				b.WriteString(opts.itemSep)
			}
			newline(depth + 1)
			if err := dump(b, item, opts, depth+1); err != nil {
				return err
			}
		}
		newline(depth)
		b.WriteByte(']')
	case v.IsDict():
		d := v.AsDict()
		keys := d.OrderedKeys()
		if len(keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		if opts.sortKeys {
			keys = slices.Sorted(slices.Values(keys))
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(opts.itemSep)
			}
			newline(depth + 1)
			dumpString(b, k, opts.ensureASCII)
			b.WriteString(opts.keySep)
			item, _ := d.Get(k)
			if err := dump(b, item, opts, depth+1); err != nil {
				return err
			}
		}
		newline(depth)
		b.WriteByte('}')
	case v.IsUndefined():
		return fmt.Errorf("Object of type Undefined is not JSON serializable")
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", v)
	}
	return nil
}

// dumpString writes s as a JSON string the way Python's json module does:
// only the quote, the backslash and control characters escaped, and with
// ensureASCII every non-ASCII character as \uXXXX (UTF-16 surrogate pairs
// above U+FFFF).
func dumpString(b *strings.Builder, s string, ensureASCII bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			switch {
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			case ensureASCII && r >= 0x7f:
				if r > 0xffff {
					r -= 0x10000
					fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
				} else {
					fmt.Fprintf(b, `\u%04x`, r)
				}
			default:
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// pyFloat formats f as Python's repr does: the shortest digits that read
// back as f, in positional notation for exponents from -4 to 15 (with at
// least one decimal, "1.0") and in scientific notation ("1e-05",
// "1.5e+16") outside.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(e, "e")
	x, _ := strconv.Atoi(exp)
	if x < -4 || x >= 16 {
		sign := "+"
		if x < 0 {
			sign, x = "-", -x
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, x)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}
