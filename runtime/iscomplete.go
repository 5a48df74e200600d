package runtime

import (
	"go/parser"
	"go/scanner"
	"go/token"
	"strings"
)

// IsComplete says whether a cell's text is ready to run, for terminal
// front ends that read a cell line by line: "complete", "incomplete" with
// the indent of the next line, or "invalid".
func (s *Session) IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	var lx lexState
	for _, seg := range splitSegments(code) {
		if seg.magic != "" {
			continue
		}
		lx = lexState{}
		for _, l := range strings.SplitAfter(seg.code, "\n") {
			lx.feed(l)
		}
		if !lx.atTop() {
			return "incomplete", strings.Repeat("    ", max(lx.depth, 1))
		}
		for _, it := range splitItems(seg.code) {
			text := seg.code[it.start:it.end]
			if err := parseItem(text, it.kind); err != nil {
				if endsEarly(err, text) {
					return "incomplete", "    "
				}
				return "invalid", ""
			}
		}
	}
	return "complete", ""
}

// itemHead is what parseItem puts before an item; its length lets
// endsEarly tell errors in the text from errors past its end.
const (
	declHead = "package main;"
	stmtHead = "package main; func main() {"
)

func parseItem(text string, kind itemKind) error {
	src := declHead + text
	if kind == itemStmt || kind == itemVar || kind == itemConst {
		src = stmtHead + text + "\n}"
	}
	_, err := parser.ParseFile(token.NewFileSet(), "", src, 0)
	return err
}

// endsEarly reports whether a parse error says that the text stops before
// the construct is finished: the first error is at its end or past it.
func endsEarly(err error, text string) bool {
	list, ok := err.(scanner.ErrorList)
	if !ok || len(list) == 0 {
		return false
	}
	e := list[0]
	if strings.Contains(e.Msg, "EOF") || strings.Contains(e.Msg, "not terminated") {
		return true
	}
	// Offsets count from the start of src; text ends where the wrapper
	// resumes. An error there means the text needs more, unless the text
	// closed the wrapper itself (a stray }).
	return e.Pos.Offset >= len(stmtHead)+len(strings.TrimRight(text, " \t\n")) &&
		!strings.HasPrefix(e.Msg, "expected declaration")
}
