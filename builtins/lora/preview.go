package lora

import (
	"context"
	"fmt"
	"html"
	"strings"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/tokenizer"
)

// defaultPreviewExamples is how many examples Preview shows when asked for
// none.
const defaultPreviewExamples = 3

// A MaskPreview shows what Train would train on: the first examples of a
// Source as the model's tokens, the trained ones (the loss's targets)
// apart from the others, special tokens as the vocabulary writes them,
// each example's token count against CutoffLen and where the cutoff cuts
// it. In a notebook it is a table; its text form puts trained text
// between « and », special tokens between ⟨ and ⟩, and a ✂ at the cut.
type MaskPreview struct {
	source string
	cutoff int
	drop   bool
	err    error
	rows   []maskRow
}

type maskRow struct {
	name             string
	tokens, trained  int
	cutTrained       int // trained tokens past the cutoff
	segments         []maskSegment
	empty, allScored bool
}

// A maskSegment is a run of tokens drawn one way.
type maskSegment struct {
	text                      string
	trained, special, pastCut bool
	cutFirst                  bool // the cutoff falls just before it
}

// Preview makes the first n examples of src (3 when n ≤ 0) as Train would
// with cfg (the defaults when left out: CutoffLen 256, every assistant
// turn, Overflow "truncate") and shows their tokens and masks. The example
// is made whole, so the preview also shows what the cutoff cuts off. An
// error (a row the format or chat template cannot render) is shown in its
// place.
func Preview(src *Source, model *llama.Model, n int, cfg ...Config) *MaskPreview {
	if n <= 0 {
		n = defaultPreviewExamples
	}
	c := Config{Name: "preview"}
	if len(cfg) > 0 {
		c = cfg[0]
		c.Name = "preview"
	}
	p := &MaskPreview{}
	c, p.err = c.withDefaults()
	if p.err != nil {
		return p
	}
	if src == nil || model == nil {
		p.err = fmt.Errorf("lora: preview: want a Source (lora.FromChat, FromFormat, …) and the model it trains")
		return p
	}
	p.source, p.cutoff, p.drop = src.kind, c.CutoffLen, c.Overflow == "drop"
	whole := c
	whole.CutoffLen, whole.limit = 1<<30, n
	m, err := src.make(context.Background(), model, whole)
	if err != nil {
		p.err = whyNoTokenizer(err, model)
		return p
	}
	tok := model.Tokenizer()
	for i, e := range m.examples {
		p.rows = append(p.rows, maskRowOf(m.name(i), e, tok, c.CutoffLen))
	}
	return p
}

// maskRowOf cuts an example's tokens into runs drawn alike.
func maskRowOf(name string, e Example, tok *tokenizer.Tokenizer, cutoff int) maskRow {
	r := maskRow{name: name, tokens: len(e.IDs)}
	var run []int
	var cur maskSegment
	flush := func() {
		if len(run) == 0 {
			return
		}
		if cur.special {
			cur.text = tok.Token(run[0])
		} else if tok != nil {
			cur.text = tok.Decode(run)
		}
		r.segments = append(r.segments, cur)
		run = nil
	}
	for t, id := range e.IDs {
		trained := e.Mask[t]
		if trained {
			r.trained++
			if t >= cutoff {
				r.cutTrained++
			}
		}
		seg := maskSegment{trained: trained, special: tok != nil && isSpecial(tok, id), pastCut: t >= cutoff, cutFirst: t == cutoff}
		if len(run) == 0 || seg.special || cur.special || seg.trained != cur.trained || seg.pastCut != cur.pastCut {
			flush()
			cur = seg
		}
		run = append(run, id)
	}
	flush()
	r.empty = r.trained-r.cutTrained == 0
	r.allScored = len(e.IDs) > 2 && r.trained == len(e.IDs)-1
	return r
}

// isSpecial reports whether id is a special or control token, one that
// Decode leaves out.
func isSpecial(tok *tokenizer.Tokenizer, id int) bool {
	return tok.Token(id) != "" && tok.Decode([]int{id}) == ""
}

// Err returns the error that kept the preview from making the examples.
func (p *MaskPreview) Err() error { return p.err }

// caption says what the preview shows.
func (p *MaskPreview) caption() string {
	if p.err != nil {
		return "Mask preview: " + p.err.Error()
	}
	over, empty := 0, 0
	for _, r := range p.rows {
		if r.tokens > p.cutoff {
			over++
		}
		if r.empty {
			empty++
		}
	}
	s := fmt.Sprintf("Mask preview: %d examples of the %s source; CutoffLen %d: %d longer", len(p.rows), p.source, p.cutoff, over)
	if over > 0 {
		if p.drop {
			s += " (Overflow \"drop\": left out)"
		} else {
			s += ", cut at ✂"
		}
	}
	if empty > 0 {
		s += fmt.Sprintf("; %d with no trained token within the cutoff (Train refuses them)", empty)
	}
	return s
}

// tokenCell is a row's counts as the table shows them.
func (p *MaskPreview) tokenCell(r maskRow) string {
	s := fmt.Sprintf("%d tokens, %d trained", r.tokens, r.trained-r.cutTrained)
	if r.tokens > p.cutoff {
		s = fmt.Sprintf("%d > %d tokens, %d trained", r.tokens, p.cutoff, r.trained-r.cutTrained)
		if p.drop {
			s += ", dropped"
		}
	}
	return s
}

// Styles of the HTML form.
const (
	trainedStyle   = "background:rgba(0,160,60,0.18);color:#063"
	untrainedStyle = "color:#8a8a8a"
	specialStyle   = "border:1px solid #999;border-radius:3px;padding:0 2px;font-size:85%"
	maskCutStyle   = "background:rgba(220,0,0,0.12);text-decoration:line-through"
	maskCutMark    = "color:#c00;font-weight:bold"
)

// Render shows the preview as an HTML table with a plain-text form.
func (p *MaskPreview) Render() display.Bundle {
	var b strings.Builder
	b.WriteString(`<table class="golora-table golora-mask-preview">`)
	fmt.Fprintf(&b, `<caption style="text-align:left">%s. <span style="%s">Green: trained</span>; <span style="%s">grey: not trained</span>; <span style="%s">boxed</span>: special tokens.</caption>`,
		html.EscapeString(p.caption()), trainedStyle, untrainedStyle, specialStyle)
	b.WriteString(`<thead><tr><th>example</th><th>tokens</th><th style="text-align:left">text</th></tr></thead><tbody>`)
	for _, r := range p.rows {
		cell := html.EscapeString(p.tokenCell(r))
		if r.empty || r.allScored {
			cell = fmt.Sprintf(`<span style="%s">%s</span>`, maskCutMark, cell)
		}
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td><td style="text-align:left"><pre style="white-space:pre-wrap;margin:0">`, html.EscapeString(r.name), cell)
		for _, s := range r.segments {
			if s.cutFirst {
				fmt.Fprintf(&b, `<span style="%s" title="CutoffLen %d">✂</span>`, maskCutMark, p.cutoff)
			}
			style := []string{untrainedStyle}
			if s.trained {
				style = []string{trainedStyle}
			}
			if s.special {
				style = append(style, specialStyle)
			}
			if s.pastCut {
				style = append(style, maskCutStyle)
			}
			fmt.Fprintf(&b, `<span style="%s">%s</span>`, strings.Join(style, ";"), html.EscapeString(s.text))
		}
		b.WriteString("</pre></td></tr>")
	}
	b.WriteString("</tbody></table>")
	return display.NewBundle(display.MIMEHTML, b.String(), p.String())
}

// String returns the text form: the caption, then each example under a
// rule line, trained text between « and », special tokens between ⟨ and ⟩,
// a ✂ at the cutoff.
func (p *MaskPreview) String() string {
	var b strings.Builder
	b.WriteString(p.caption())
	if p.err == nil {
		b.WriteString("; «» mark trained text, ⟨⟩ special tokens")
	}
	for _, r := range p.rows {
		fmt.Fprintf(&b, "\n── %s · %s\n", r.name, p.tokenCell(r))
		trained := false
		for _, s := range r.segments {
			if s.cutFirst {
				if trained {
					b.WriteString("»")
					trained = false
				}
				b.WriteString("✂")
			}
			if s.trained != trained {
				b.WriteString(map[bool]string{true: "«", false: "»"}[s.trained])
				trained = s.trained
			}
			if s.special {
				b.WriteString("⟨" + s.text + "⟩")
				continue
			}
			b.WriteString(s.text)
		}
		if trained {
			b.WriteString("»")
		}
	}
	return b.String()
}
