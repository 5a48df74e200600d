package chat

import (
	"fmt"
	"strings"
)

// A tag is one {{ ... }} or {% ... %} of a template's source.
type tag struct {
	start, end int    // the whole tag, delimiters included
	block      bool   // {% ... %} rather than {{ ... }}
	open       string // "{{" or "{%", with its whitespace-control mark
	close      string // "}}" or "%}", with its whitespace-control mark
	inner      string // what lies between them
	line, col  int    // where the tag starts, from 1
}

// name returns the statement keyword of a block tag ("if", "endfor",
// "generation"), or "".
func (t tag) name() string {
	toks, err := lex(t.inner)
	if err != nil || len(toks) == 0 || toks[0].kind != tokIdent {
		return ""
	}
	return toks[0].text
}

// position returns the 1-based line and column of byte offset off of src.
func position(src string, off int) (line, col int) {
	line = 1 + strings.Count(src[:off], "\n")
	col = off - strings.LastIndexByte(src[:off], '\n')
	return line, col
}

// syntaxError is a template syntax error at a line and column.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("chat template line %d, column %d: %s", e.line, e.col, e.msg)
}

// scanTags splits src into its tags, skipping comments and {% raw %}
// blocks, as Jinja's lexer does: a tag ends at the first closing delimiter
// outside string literals and brackets.
func scanTags(src string) ([]tag, error) {
	var tags []tag
	i := 0
	for {
		j := indexAny3(src, i)
		if j < 0 {
			return tags, nil
		}
		line, col := position(src, j)
		switch src[j+1] {
		case '#':
			k := strings.Index(src[j+2:], "#}")
			if k < 0 {
				return nil, &syntaxError{line, col, "comment {# is never closed with #}"}
			}
			i = j + 2 + k + 2
			continue
		}
		block := src[j+1] == '%'
		closing := "}}"
		if block {
			closing = "%}"
		}
		k, err := tagEnd(src, j+2, closing)
		if err != nil {
			return nil, &syntaxError{line, col, err.Error()}
		}
		t := tag{start: j, end: k + 2, block: block, line: line, col: col}
		body := src[j+2 : k]
		t.open, t.close = src[j:j+2], src[k:k+2]
		if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
			t.open += body[:1]
			body = body[1:]
		}
		if n := len(body); n > 0 && (body[n-1] == '-' || body[n-1] == '+') {
			t.close = body[n-1:] + t.close
			body = body[:n-1]
		}
		t.inner = body
		tags = append(tags, t)
		i = t.end
		if block && t.name() == "raw" {
			r := strings.Index(src[i:], "endraw")
			if r < 0 {
				return nil, &syntaxError{line, col, "{% raw %} is never closed with {% endraw %}"}
			}
			e := strings.Index(src[i+r:], "%}")
			if e < 0 {
				return nil, &syntaxError{line, col, "{% endraw is never closed with %}"}
			}
			i += r + e + 2
		}
	}
}

// indexAny3 returns the offset of the next "{{", "{%" or "{#" at or after i.
func indexAny3(src string, i int) int {
	for {
		k := strings.IndexByte(src[i:], '{')
		if k < 0 || i+k+1 >= len(src) {
			return -1
		}
		switch src[i+k+1] {
		case '{', '%', '#':
			return i + k
		}
		i += k + 1
	}
}

// tagEnd returns the offset of the closing delimiter of a tag whose body
// starts at i.
func tagEnd(src string, i int, closing string) (int, error) {
	depth := 0
	for i < len(src) {
		if depth == 0 && strings.HasPrefix(src[i:], closing) {
			return i, nil
		}
		switch src[i] {
		case '\'', '"':
			n, err := stringEnd(src, i)
			if err != nil {
				return 0, err
			}
			i = n
			continue
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		}
		i++
	}
	return 0, fmt.Errorf("tag is never closed with %s", closing)
}

// stringEnd returns the offset just past the string literal that starts
// at i.
func stringEnd(src string, i int) (int, error) {
	quote := src[i]
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\\':
			j++
		case quote:
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("string literal starting with %c is never closed", quote)
}

// blockPairs are the statements that open a block, and the tag that
// closes each.
var blockPairs = map[string]string{
	"if": "endif", "for": "endfor", "macro": "endmacro", "call": "endcall",
	"filter": "endfilter", "block": "endblock", "with": "endwith",
	"generation": "endgeneration", "autoescape": "endautoescape",
}

// checkBlocks reports the first block that is never closed, or closed by
// the wrong tag, with its position.
func checkBlocks(tags []tag) error {
	type open struct {
		tag
		name string
	}
	var stack []open
	closers := map[string]string{"endset": "set"}
	for name, end := range blockPairs {
		closers[end] = name
	}
	for _, t := range tags {
		if !t.block {
			continue
		}
		name := t.name()
		if name == "set" && !strings.Contains(t.inner, "=") {
			stack = append(stack, open{t, name})
			continue
		}
		if _, ok := blockPairs[name]; ok {
			stack = append(stack, open{t, name})
			continue
		}
		opener, ok := closers[name]
		if !ok {
			continue
		}
		if len(stack) == 0 {
			return &syntaxError{t.line, t.col, fmt.Sprintf("{%% %s %%} closes no open {%% %s %%}", name, opener)}
		}
		top := stack[len(stack)-1]
		if top.name != opener {
			return &syntaxError{t.line, t.col, fmt.Sprintf("{%% %s %%} found where the {%% %s %%} of line %d, column %d needs {%% end%s %%}", name, top.name, top.line, top.col, top.name)}
		}
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return &syntaxError{top.line, top.col, fmt.Sprintf("{%% %s %%} is never closed with {%% end%s %%}", top.name, top.name)}
	}
	return nil
}
