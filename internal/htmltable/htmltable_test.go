package htmltable

import "testing"

func TestHTML(t *testing.T) {
	for _, tc := range []struct {
		name  string
		table Table
		want  string
	}{
		{"empty", Table{}, `<table class="golora-table"><tbody></tbody></table>`},
		{
			"header and pre",
			Table{
				Class:   "golora-chunks",
				Caption: "3 &lt; 4",
				Header:  []Cell{Text("n"), {HTML: "text", Style: "text-align:left"}},
				Rows:    [][]Cell{{Text("1"), Pre("a\n<b>")}, {{}, {HTML: "x", Style: "color:#c00"}}},
			},
			`<table class="golora-table golora-chunks"><caption style="text-align:left">3 &lt; 4</caption>` +
				`<thead><tr><th>n</th><th style="text-align:left">text</th></tr></thead><tbody>` +
				`<tr><td>1</td><td style="text-align:left"><pre style="white-space:pre-wrap;margin:0">a` + "\n" + `<b></pre></td></tr>` +
				`<tr><td></td><td style="color:#c00">x</td></tr></tbody></table>`,
		},
		{
			"row names",
			Table{Rows: [][]Cell{{{HTML: "loss", Style: "text-align:left", Head: true}, Text("1 < 2")}}},
			`<table class="golora-table"><tbody><tr><th style="text-align:left">loss</th><td>1 &lt; 2</td></tr></tbody></table>`,
		},
	} {
		if got := tc.table.HTML(); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}
