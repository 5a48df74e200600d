package formats

import (
	"fmt"
	"html"
	"strings"

	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/tokenizer"
	"github.com/golora/golora/internal/htmltable"
)

// defaultPreviewRows is how many rows Preview shows when asked for none.
const defaultPreviewRows = 5

// A Preview shows how a format turns the first rows of a dataset into
// training text. In a notebook it is a table: the text of each row with the
// template's text in grey and the row's values in the normal colour, its
// token count, and, for a row longer than the cutoff, a ✂ where the cutoff
// cuts it with the text past it shaded. Its text form marks the row's
// values with « » and the cut with ✂.
type Preview struct {
	source string
	total  int // rows in the dataset
	cutoff int // 0: none
	tokens bool
	rows   []previewRow
}

type previewRow struct {
	index, line int
	prompt      Prompt
	err         error
	tokens      int
	cut         int // byte offset in the text where the cutoff falls; -1 if it fits
}

// Preview formats the first n rows of ds (5 when n ≤ 0) and counts their
// tokens with tok, BOS included as TokenLengths counts them, flagging rows
// longer than the cutoff: DefaultCutoff (the training default), or the
// value given, as in f.Preview(ds, tok, 3, 128); 0 flags none. tok may be
// nil (no counts). A row that matches no template shows its error in its
// place.
func (f *Format) Preview(ds *data.Dataset, tok *tokenizer.Tokenizer, n int, cutoffLen ...int) *Preview {
	if n <= 0 {
		n = defaultPreviewRows
	}
	cutoff := DefaultCutoff
	if len(cutoffLen) > 0 {
		cutoff = cutoffLen[0]
	}
	p := &Preview{source: datasetName(ds), total: ds.Len(), cutoff: max(cutoff, 0), tokens: tok != nil}
	for i := range min(n, ds.Len()) {
		r := previewRow{index: i, line: ds.Line(i), cut: -1}
		r.prompt, r.err = f.Prompt(ds.Row(i))
		if r.err == nil && tok != nil {
			ids, offsets := tok.EncodeOffsets(r.prompt.Text, true)
			r.tokens = len(ids)
			if p.cutoff > 0 && len(ids) > p.cutoff {
				r.cut = offsets[p.cutoff]
			}
		}
		p.rows = append(p.rows, r)
	}
	return p
}

// A segment is a run of a prompt's text drawn one way.
type segment struct {
	text     string
	key      string // the row's key for a value; "" for template text
	pastCut  bool   // past the cutoff
	cutFirst bool   // the cutoff falls just before this segment
}

// segments cuts a prompt's parts where the cutoff falls.
func (r *previewRow) segments() []segment {
	var segs []segment
	for _, part := range r.prompt.Parts {
		text := r.prompt.Text[part.Start:part.End]
		switch {
		case r.cut < 0 || part.End <= r.cut:
			segs = append(segs, segment{text: text, key: part.Key})
		case part.Start >= r.cut:
			segs = append(segs, segment{text: text, key: part.Key, pastCut: true, cutFirst: part.Start == r.cut})
		default:
			at := r.cut - part.Start
			segs = append(segs, segment{text: text[:at], key: part.Key},
				segment{text: text[at:], key: part.Key, pastCut: true, cutFirst: true})
		}
	}
	return segs
}

// over reports whether the row is longer than the cutoff.
func (r *previewRow) over() bool { return r.cut >= 0 }

// caption says what the preview shows.
func (p *Preview) caption() string {
	s := fmt.Sprintf("Format preview: %d of %d rows of %s", len(p.rows), p.total, p.source)
	if !p.tokens {
		return s + " (no tokenizer: no token counts)"
	}
	s += "; tokens include BOS"
	if p.cutoff > 0 {
		over := 0
		for i := range p.rows {
			if p.rows[i].over() {
				over++
			}
		}
		s += fmt.Sprintf("; cutoff %d: %d of %d rows longer, cut at ✂", p.cutoff, over, len(p.rows))
	}
	return s
}

// tokenCell is a row's token count as the table shows it.
func (p *Preview) tokenCell(r *previewRow) string {
	switch {
	case !p.tokens || r.err != nil:
		return ""
	case r.over():
		return fmt.Sprintf("%d > %d", r.tokens, p.cutoff)
	}
	return fmt.Sprint(r.tokens)
}

// Styles of the HTML form.
const (
	templateStyle = "color:#8a8a8a"
	pastCutStyle  = "background:rgba(220,0,0,0.12)"
	cutStyle      = "color:#c00;font-weight:bold"
	errorStyle    = "color:#c00"
)

// Render shows the preview as an HTML table with a plain-text form.
func (p *Preview) Render() display.Bundle {
	t := htmltable.Table{
		Class: "golora-format-preview",
		Caption: fmt.Sprintf(`%s. <span style="%s">Grey: template text</span>; normal: the row's values.`,
			html.EscapeString(p.caption()), templateStyle),
		Header: []htmltable.Cell{htmltable.Text("row"), htmltable.Text("key set"), htmltable.Text("tokens"), {HTML: "text", Style: "text-align:left"}},
	}
	for i := range p.rows {
		r := &p.rows[i]
		row := htmltable.Text(fmt.Sprint(r.index))
		if r.err != nil {
			t.Rows = append(t.Rows, []htmltable.Cell{row, {}, {}, {HTML: html.EscapeString(r.err.Error()), Style: "text-align:left;" + errorStyle}})
			continue
		}
		tokens := htmltable.Text(p.tokenCell(r))
		if r.over() {
			tokens.HTML = fmt.Sprintf(`<span style="%s">%s ✂</span>`, cutStyle, tokens.HTML)
		}
		t.Rows = append(t.Rows, []htmltable.Cell{row, htmltable.Text(r.prompt.KeySet), tokens, htmltable.Pre(p.textHTML(r))})
	}
	return display.NewBundle(display.MIMEHTML, t.HTML(), p.String())
}

// textHTML is a row's text as HTML: template text in grey, the row's values
// titled with their keys, the text past the cutoff shaded after a ✂.
func (p *Preview) textHTML(r *previewRow) string {
	var b strings.Builder
	for _, s := range r.segments() {
		if s.cutFirst {
			fmt.Fprintf(&b, `<span style="%s" title="cutoff %d">✂</span>`, cutStyle, p.cutoff)
		}
		var style []string
		if s.key == "" {
			style = append(style, templateStyle)
		}
		if s.pastCut {
			style = append(style, pastCutStyle)
		}
		b.WriteString("<span")
		if len(style) > 0 {
			fmt.Fprintf(&b, ` style="%s"`, strings.Join(style, ";"))
		}
		if s.key != "" {
			fmt.Fprintf(&b, ` title="%s"`, html.EscapeString(s.key))
		}
		fmt.Fprintf(&b, ">%s</span>", html.EscapeString(s.text))
	}
	return b.String()
}

// String returns the text form: a caption, then each row under a rule line
// with its number, key set and token count, values between « and », and a
// ✂ where the cutoff falls.
func (p *Preview) String() string {
	var b strings.Builder
	b.WriteString(p.caption() + "; «» mark the row's values")
	for i := range p.rows {
		r := &p.rows[i]
		fmt.Fprintf(&b, "\n── row %d", r.index)
		if r.line > 0 {
			fmt.Fprintf(&b, " (line %d)", r.line)
		}
		if r.err != nil {
			fmt.Fprintf(&b, "\n%v", r.err)
			continue
		}
		fmt.Fprintf(&b, " · %s", r.prompt.KeySet)
		if t := p.tokenCell(r); t != "" {
			fmt.Fprintf(&b, " · %s tokens", t)
		}
		b.WriteByte('\n')
		for _, s := range r.segments() {
			if s.cutFirst {
				b.WriteString("✂")
			}
			if s.key != "" {
				b.WriteString("«" + s.text + "»")
			} else {
				b.WriteString(s.text)
			}
		}
	}
	return b.String()
}
