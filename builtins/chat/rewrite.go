package chat

import (
	"fmt"
	"regexp"
	"strings"
)

// The Jinja engine has no extension tags and no way to replace a filter,
// so golora rewrites two things of a template's source before compiling
// it, keeping every newline where it was (so line numbers hold):
//
//   - {% generation %} ... {% endgeneration %} becomes a call block,
//     {% call __golora_generation() %} ... {% endcall %}, which is what
//     transformers' extension compiles it to: the same whitespace rules
//     (trim_blocks, lstrip_blocks, "-" marks) apply to both tags.
//   - X | tojson(args) becomes __golora_tojson(X, args), golora's json.dumps,
//     which keeps key order also with indent (the engine's indented tojson
//     goes through Go maps and sorts keys).
const (
	generationFunc = "__golora_generation"
	tojsonFunc     = "__golora_tojson"
)

// generationRE is how transformers decides that a template has
// {% generation %} blocks.
var generationRE = regexp.MustCompile(`\{%-?\s*generation\s*-?%\}`)

type tokKind int

const (
	tokIdent tokKind = iota
	tokString
	tokNumber
	tokOp
)

// A token is one lexeme of a tag's contents, at [start, end).
type token struct {
	kind       tokKind
	text       string
	start, end int
}

func (t token) opens() bool  { return t.kind == tokOp && strings.Contains("([{", t.text) }
func (t token) closes() bool { return t.kind == tokOp && strings.Contains(")]}", t.text) }

// keywords are the identifiers that are operators, never an operand.
var keywords = map[string]bool{"not": true, "and": true, "or": true, "in": true, "is": true, "if": true, "else": true}

// lex splits the contents of a tag into tokens.
func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"':
			j, err := stringEnd(s, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{tokString, s[i:j], i, j})
			i = j
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= '0' && s[j] <= '9' || s[j] >= 0x80) {
				j++
			}
			toks = append(toks, token{tokIdent, s[i:j], i, j})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == '_' || s[j] == 'e' || s[j] == 'E') {
				j++
			}
			toks = append(toks, token{tokNumber, s[i:j], i, j})
			i = j
		default:
			toks = append(toks, token{tokOp, s[i : i+1], i, i + 1})
			i++
		}
	}
	return toks, nil
}

// match returns the index of the bracket that pairs with toks[i], looking
// backwards from a closing one or forwards from an opening one, or -1.
func match(toks []token, i int) int {
	depth := 0
	step := 1
	if toks[i].closes() {
		step = -1
	}
	for j := i; j >= 0 && j < len(toks); j += step {
		switch {
		case toks[j].opens():
			depth += step
		case toks[j].closes():
			depth -= step
		}
		if depth == 0 {
			return j
		}
	}
	return -1
}

// operandStart returns the index of the first token of the operand that
// ends at toks[p]: a name, literal or bracketed group followed by
// attributes, subscripts, calls and filters, all of which bind tighter
// than a filter's own operand. It returns -1 when there is none.
func operandStart(toks []token, p int) int {
	for p >= 0 {
		t := toks[p]
		switch {
		case t.closes():
			m := match(toks, p)
			if m < 0 {
				return -1
			}
			p = m
			if toks[m].text != "{" && m > 0 {
				if b := toks[m-1]; b.closes() || b.kind == tokString || b.kind == tokIdent && !keywords[b.text] {
					p = m - 1
					continue
				}
			}
		case t.kind == tokIdent && !keywords[t.text], t.kind == tokString, t.kind == tokNumber:
		default:
			return -1
		}
		if p > 0 && (toks[p-1].text == "." || toks[p-1].text == "|") {
			p -= 2
			continue
		}
		return p
	}
	return -1
}

// rewriteTojson turns every "X | tojson(args)" of a tag's contents into a
// call of golora's tojson.
func rewriteTojson(inner string) (string, error) {
	for {
		toks, err := lex(inner)
		if err != nil {
			return "", err
		}
		k := -1
		for i := 1; i+1 < len(toks); i++ {
			if toks[i].text == "|" && toks[i+1].kind == tokIdent && toks[i+1].text == "tojson" {
				k = i
				break
			}
		}
		if k < 0 {
			return inner, nil
		}
		s := operandStart(toks, k-1)
		if s < 0 {
			return "", fmt.Errorf("no operand before | tojson")
		}
		end, args := toks[k+1].end, ""
		if k+2 < len(toks) && toks[k+2].text == "(" {
			e := match(toks, k+2)
			if e < 0 {
				return "", fmt.Errorf("tojson( is never closed")
			}
			end = toks[e].end
			if a := strings.TrimSpace(inner[toks[k+2].end:toks[e].start]); a != "" {
				args = ", " + inner[toks[k+2].end:toks[e].start]
			}
		}
		operand := inner[toks[s].start:toks[k-1].end]
		inner = inner[:toks[s].start] + tojsonFunc + "(" + operand + args + ")" + inner[end:]
	}
}

// rewrite returns src with {% generation %} blocks turned into call blocks
// and tojson filters into calls, as the comment at the top of this file
// says; the block structure is checked on the way.
func rewrite(src string) (string, error) {
	tags, err := scanTags(src)
	if err != nil {
		return "", err
	}
	if err := checkBlocks(tags); err != nil {
		return "", err
	}
	var b strings.Builder
	last := 0
	for _, t := range tags {
		inner := t.inner
		switch {
		case t.block && t.name() == "generation":
			inner = strings.Replace(inner, "generation", "call "+generationFunc+"()", 1)
		case t.block && t.name() == "endgeneration":
			inner = strings.Replace(inner, "endgeneration", "endcall", 1)
		case strings.Contains(inner, "tojson"):
			inner, err = rewriteTojson(inner)
			if err != nil {
				return "", &syntaxError{t.line, t.col, err.Error()}
			}
		default:
			continue
		}
		b.WriteString(src[last:t.start])
		b.WriteString(t.open)
		b.WriteString(inner)
		b.WriteString(t.close)
		last = t.end
	}
	b.WriteString(src[last:])
	return b.String(), nil
}
