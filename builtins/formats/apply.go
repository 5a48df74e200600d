package formats

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/golora/golora/builtins/data"
)

// A Prompt is one row formatted: its text, the template that made it, and
// which bytes of the text come from the template and which from the row.
type Prompt struct {
	Text   string
	KeySet string // the key set of the template used, as the file writes it
	Parts  []Part // in order, covering Text without gaps
}

// A Part is a span of a Prompt's text: template text, or the value of one
// of the row's keys.
type Part struct {
	Start, End int    // byte offsets in the text, End exclusive
	Key        string // the key whose value this is; "" for template text
}

// Prompt formats one row, given as Dataset.Row returns it.
func (f *Format) Prompt(row map[string]any) (Prompt, error) {
	keys := nonEmptyKeys(row)
	i, ok := f.byKeys[strings.Join(keys, keySep)]
	if !ok {
		return Prompt{}, fmt.Errorf("formats: no template for a row with %s; %s", describeKeys(keys), f.offer())
	}
	t := &f.templates[i]
	var b strings.Builder
	p := Prompt{KeySet: t.keySet}
	for _, pc := range t.pieces {
		start := b.Len()
		if pc.key == "" {
			b.WriteString(pc.text)
		} else {
			b.WriteString(row[pc.key].(string))
		}
		p.Parts = append(p.Parts, Part{Start: start, End: b.Len(), Key: pc.key})
	}
	p.Text = b.String()
	return p, nil
}

// Prompts formats every row of ds. If some rows match no template, it
// returns an error that names them (the first few, and how many in all),
// their keys and the key sets on offer, and no prompts.
func (f *Format) Prompts(ds *data.Dataset) ([]Prompt, error) {
	prompts := make([]Prompt, 0, ds.Len())
	var bad []string
	misses := 0
	for i := range ds.Len() {
		p, err := f.Prompt(ds.Row(i))
		if err != nil {
			misses++
			if len(bad) < maxNamed {
				bad = append(bad, fmt.Sprintf("%s: %s", ds.RowName(i), describeKeys(nonEmptyKeys(ds.Row(i)))))
			}
			continue
		}
		prompts = append(prompts, p)
	}
	if misses > 0 {
		more := ""
		if misses > len(bad) {
			more = fmt.Sprintf("; and %d more", misses-len(bad))
		}
		return nil, fmt.Errorf("formats: %d of %d rows of %s match no template: %s%s; %s; give each set of keys a template, or fix or drop those rows",
			misses, ds.Len(), datasetName(ds), strings.Join(bad, "; "), more, f.offer())
	}
	return prompts, nil
}

// Apply formats every row of ds and returns the texts; errors are those of
// Prompts.
func (f *Format) Apply(ds *data.Dataset) ([]string, error) {
	prompts, err := f.Prompts(ds)
	if err != nil {
		return nil, err
	}
	texts := make([]string, len(prompts))
	for i, p := range prompts {
		texts[i] = p.Text
	}
	return texts, nil
}

// maxNamed is how many unmatched rows an error names.
const maxNamed = 5

// nonEmptyKeys returns K for a row: the sorted keys whose value is a string
// that is not empty once trimmed.
func nonEmptyKeys(row map[string]any) []string {
	var keys []string
	for k, v := range row {
		if s, ok := v.(string); ok && strings.TrimSpace(s) != "" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// describeKeys says which keys a row has text in.
func describeKeys(keys []string) string {
	if len(keys) == 0 {
		return "no key with non-empty text"
	}
	return fmt.Sprintf("non-empty keys %q", strings.Join(keys, ","))
}

// offer lists the key sets of the format.
func (f *Format) offer() string {
	var sets []string
	for _, t := range f.templates {
		sets = append(sets, fmt.Sprintf("%q", t.keySet))
	}
	return "key sets on offer: " + strings.Join(sets, ", ")
}

// datasetName names ds in messages.
func datasetName(ds *data.Dataset) string {
	if ds.Name() == "" {
		return "the dataset"
	}
	return ds.Name()
}

// shorten cuts s to n characters, marking the cut with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
