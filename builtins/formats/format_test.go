package formats

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	f, err := Parse(`{
		"b, a": "B=%b% A=%a%",
		"a": "only %a%",
		"a,b": "never used: %a%%b%"
	}`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f.KeySets(), []string{"b, a", "a", "a,b"}; !slices.Equal(got, want) {
		t.Errorf("KeySets = %q, want %q (the file's order)", got, want)
	}
	// "a, b" names the same set as "b, a": the first template in the file.
	if got, ok := f.Template(" a ,b"); !ok || got != "B=%b% A=%a%" {
		t.Errorf("Template(a,b) = %q, %v", got, ok)
	}
	if _, ok := f.Template("c"); ok {
		t.Error("Template(c) found a template")
	}
	g, err := Parse(f.String())
	if err != nil {
		t.Fatalf("Parse(String()): %v\n%s", err, f)
	}
	if g.String() != f.String() {
		t.Errorf("String does not round-trip:\n%s\n%s", f, g)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"syntax", "{\n  \"a\": \"x\",\n  \"b\": \"y\" \"c\"\n}", []string{"line 3, column 12", "invalid character '\"'"}},
		{"array", `["a", "b"]`, []string{"holds no JSON object", "maps key sets to templates"}},
		{"empty", ` {} `, []string{"holds no templates"}},
		{"not-string", "{\"a\": \"x\",\n \"b, c\": [\"y\"]}", []string{"line 2, column 2", `key set "b, c"`, `not a string but ["y"]`}},
		{"empty-name", "{\"a,,b\": \"%a%\"}", []string{"line 1, column 2", `key set "a,,b" has an empty key name`}},
		{"blank-set", "{\" \": \"x\"}", []string{`key set " " has an empty key name`}},
		{"misspelled-placeholder", "{\"instruction,output\": \"### Instruction:\\n%instrution%\\n\\n### Response:\\n%output%\"}",
			[]string{"line 1", `key set "instruction,output" uses %instrution%`, "keys on offer: %instruction% %output%", "correct the name"}},
		{"unknown-placeholder", "{\"a\": \"%a%\",\n \"q\": \"50% off %q% for %Kunde_2%\"}", []string{"line 2", `key set "q" uses %Kunde_2%`, "keys on offer: %q%"}},
		{"foreign-placeholder", "{\"instruction,output\": \"%instruction% %input% %output%\",\n \"instruction,input,output\": \"%input%\"}", []string{"line 1", `key set "instruction,output" uses %input%`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.text)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(`{"a": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "bad.json: line 1, column 2") {
		t.Errorf("err = %v, want the file and position", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "none.json") {
		t.Errorf("err = %v, want the file named", err)
	}
}

// TestPlaceholders: placeholders are read left to right, the longest key
// first, and only for keys of the template's own key set (a %c% of no key
// is an error: TestParseErrors).
func TestPlaceholders(t *testing.T) {
	f, err := Parse(`{"a,ab": "%ab%|%a%b%|100% %a|%c"}`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Prompt(map[string]any{"a": "X", "ab": "Y"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "Y|Xb%|100% %a|%c"; p.Text != want {
		t.Errorf("text %q, want %q", p.Text, want)
	}
}

func TestRenderFormat(t *testing.T) {
	f, err := Load("../../formats/alpaca-chatbot-format.json")
	if err != nil {
		t.Fatal(err)
	}
	text := f.Render().Text()
	for _, want := range []string{"alpaca-chatbot-format.json: 2 templates", "instruction,input,output"} {
		if !strings.Contains(text, want) {
			t.Errorf("text form lacks %q:\n%s", want, text)
		}
	}
}

// A '%' that starts no %name% is literal text, and stays in the prompt.
func TestLiteralPercent(t *testing.T) {
	f, err := Parse(`{"instruction,output": "100% sure, 50% off, 10%-20% and %% or % %: %%instruction%%\n%output% (5 %)"}`)
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.Prompt(map[string]any{"instruction": "I", "output": "O"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "100% sure, 50% off, 10%-20% and %% or % %: %I%\nO (5 %)"; p.Text != want {
		t.Errorf("prompt %q, want %q", p.Text, want)
	}
}
