package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/builtins/display"
)

// A Format is a parsed format file: templates for rows, chosen by the keys
// a row has.
type Format struct {
	name      string
	templates []template
	byKeys    map[string]int // K joined by keySep → the first template for it
}

// keySep joins the sorted names of a key set into a map key; JSON keys may
// hold any character, and this one is the least likely.
const keySep = "\x00"

// Load reads a format file.
func Load(path string) (*Format, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("formats: %w", err)
	}
	f, err := parse(path, text)
	if err != nil {
		return nil, fmt.Errorf("formats: %s: %w", path, err)
	}
	return f, nil
}

// Parse reads a format from the text of a format file, such as a string
// written in a cell.
func Parse(jsonText string) (*Format, error) {
	f, err := parse("", []byte(jsonText))
	if err != nil {
		return nil, fmt.Errorf("formats: %w", err)
	}
	return f, nil
}

// shape says what a format file is, in errors about its shape.
const shape = `a format file is a JSON object that maps key sets to templates, such as {"instruction,output": "Q: %instruction%\nA: %output%"}`

func parse(name string, text []byte) (*Format, error) {
	text = bytes.TrimPrefix(text, []byte("\xef\xbb\xbf"))
	var raw json.RawMessage
	if err := json.Unmarshal(text, &raw); err != nil {
		off := len(text)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			off = max(int(se.Offset)-1, 0)
		}
		return nil, fmt.Errorf("%s: %v (%s)", position(text, off), err, shape)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return nil, fmt.Errorf("holds no JSON object: %s", shape)
	}
	f := &Format{name: name, byKeys: map[string]int{}}
	for dec.More() {
		at := int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keySet := tok.(string)
		at += bytes.IndexByte(text[at:], '"')
		where := position(text, at)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return nil, err
		}
		var tmpl string
		if err := json.Unmarshal(value, &tmpl); err != nil {
			return nil, fmt.Errorf("%s: the template of key set %q is not a string but %s", where, keySet, shorten(string(value), 40))
		}
		keys, ok := parseKeySet(keySet)
		if !ok {
			return nil, fmt.Errorf("%s: key set %q has an empty key name: write names separated by commas, such as \"instruction,output\"", where, keySet)
		}
		line, _ := lineColumn(text, at)
		f.templates = append(f.templates, template{keySet: keySet, keys: keys, line: line, text: tmpl, pieces: cut(tmpl, keys)})
		if _, seen := f.byKeys[strings.Join(keys, keySep)]; !seen {
			f.byKeys[strings.Join(keys, keySep)] = len(f.templates) - 1
		}
	}
	if len(f.templates) == 0 {
		return nil, fmt.Errorf("holds no templates: %s", shape)
	}
	if err := f.checkPlaceholders(); err != nil {
		return nil, err
	}
	return f, nil
}

// placeholderLike is what a placeholder looks like: a name of letters,
// digits and underscores between two '%'. A '%' in other text ("100%",
// "50% off") is literal.
var placeholderLike = regexp.MustCompile(`%[\p{L}_][\p{L}\p{N}_]*%`)

// checkPlaceholders refuses a template whose text, outside its
// placeholders, still holds something like %name%: a misspelled key or a
// key of another key set, which nothing would fill and which would stay in
// the training text.
func (f *Format) checkPlaceholders() error {
	for _, t := range f.templates {
		for _, p := range t.pieces {
			if p.key != "" {
				continue
			}
			if m := placeholderLike.FindString(p.text); m != "" {
				return fmt.Errorf("line %d: the template of key set %q uses %s, which is not a key of its key set (keys on offer: %s), so it would stay in the text: correct the name, or add %q to the key set",
					t.line, t.keySet, m, placeholders(t.keys), strings.Trim(m, "%"))
			}
		}
	}
	return nil
}

// placeholders writes keys as the placeholders a template may use.
func placeholders(keys []string) string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = "%" + k + "%"
	}
	return strings.Join(out, " ")
}

// KeySets returns the key sets of the templates as the file writes them,
// in the file's order.
func (f *Format) KeySets() []string {
	sets := make([]string, len(f.templates))
	for i, t := range f.templates {
		sets[i] = t.keySet
	}
	return sets
}

// Template returns the template of a key set, given as the file writes it
// or as any spelling of the same names ("output, instruction"), and whether
// there is one. With several templates for one set, the first is returned,
// the one that rows use.
func (f *Format) Template(keySet string) (string, bool) {
	keys, ok := parseKeySet(keySet)
	if !ok {
		return "", false
	}
	i, ok := f.byKeys[strings.Join(keys, keySep)]
	if !ok {
		return "", false
	}
	return f.templates[i].text, true
}

// String returns the format as the JSON text of a format file, templates in
// order; Parse reads it back as the same format.
func (f *Format) String() string {
	var b strings.Builder
	b.WriteString("{\n")
	for i, t := range f.templates {
		k, _ := json.Marshal(t.keySet)
		v, _ := json.Marshal(t.text)
		fmt.Fprintf(&b, "  %s: %s", k, v)
		if i < len(f.templates)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.String()
}

// position says where byte offset off of text is, as "line L, column C".
func position(text []byte, off int) string {
	line, col := lineColumn(text, off)
	return fmt.Sprintf("line %d, column %d", line, col)
}

// lineColumn returns the line and column, both from 1, of byte offset off
// in text; columns count characters.
func lineColumn(text []byte, off int) (line, col int) {
	off = min(max(off, 0), len(text))
	start := bytes.LastIndexByte(text[:off], '\n') + 1
	return bytes.Count(text[:start], []byte{'\n'}) + 1, utf8.RuneCount(text[start:off]) + 1
}

// Render shows the format as a table of its key sets and templates, in the
// order rows try them.
func (f *Format) Render() display.Bundle {
	rows := make([][]string, len(f.templates))
	for i, t := range f.templates {
		rows[i] = []string{t.keySet, t.text}
	}
	caption := fmt.Sprintf("format: %d templates", len(f.templates))
	if f.name != "" {
		caption = fmt.Sprintf("format %s: %d templates", f.name, len(f.templates))
	}
	return display.TableCaption(caption, []string{"key set", "template"}, rows)
}
