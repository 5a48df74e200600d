package formats

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics, and a format that parses reads back from
// its String as the same format, and formats a row of each key set so that
// putting the placeholders back where the values went gives the template.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../../formats/alpaca-format.json", "../../formats/alpaca-chatbot-format.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`{"a,ab": "%ab%|%a%b%|100%"}`, `{"q, a": "%q% %a%", "a,q": "x"}`, `{" x ,y": "%x%%y%%x%"}`,
		`{"a": 1}`, `{"a,,b": ""}`, `{"k\u0000": "%k\u0000%"}`, `[]`, `{"a": "%b%", "b": "%a%"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		fm, err := Parse(text)
		if err != nil {
			return
		}
		again, err := Parse(fm.String())
		if err != nil {
			t.Fatalf("Parse(%q) works, but not on its String %q: %v", text, fm.String(), err)
		}
		if again.String() != fm.String() || !slices.Equal(again.KeySets(), fm.KeySets()) {
			t.Fatalf("Parse(%q): String does not round-trip: %q, %q", text, fm.String(), again.String())
		}
		for _, set := range fm.KeySets() {
			keys, _ := parseKeySet(set)
			row := map[string]any{}
			for i, k := range keys {
				row[k] = fmt.Sprintf("<value %d>", i)
			}
			p, err := fm.Prompt(row)
			if err != nil {
				t.Fatalf("Parse(%q): the row %v of key set %q matches no template: %v", text, row, set, err)
			}
			q, _ := again.Prompt(row)
			if !slices.Equal(p.Parts, q.Parts) || p.Text != q.Text {
				t.Fatalf("Parse(%q): a row formats differently after a round trip", text)
			}
			var rebuilt strings.Builder
			at := 0
			for _, part := range p.Parts {
				if part.Start != at {
					t.Fatalf("Parse(%q): parts %+v leave a gap", text, p.Parts)
				}
				at = part.End
				if part.Key == "" {
					rebuilt.WriteString(p.Text[part.Start:part.End])
				} else {
					if p.Text[part.Start:part.End] != row[part.Key] {
						t.Fatalf("Parse(%q): part %+v is not the value of %q", text, part, part.Key)
					}
					rebuilt.WriteString("%" + part.Key + "%")
				}
			}
			if tmpl, _ := fm.Template(p.KeySet); rebuilt.String() != tmpl || at != len(p.Text) {
				t.Fatalf("Parse(%q): prompt %q with its placeholders back is %q, not the template %q", text, p.Text, rebuilt.String(), tmpl)
			}
		}
	})
}
