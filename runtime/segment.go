package runtime

import "strings"

// segment is a piece of a cell: Go code, or one magic line (%cmd or !cmd).
// Code segments keep the cell's line numbering: they are the whole cell
// source with every other segment's lines blanked out.
type segment struct {
	magic string // the magic line without its leading space, or "" for code
	code  string // for code segments: the cell with non-code lines blanked
	line  int    // 1-based line of a magic segment
}

// splitSegments separates magic lines from Go code. A line is a magic line
// when, outside any bracket, string or comment, its first non-blank
// character is % or !. Consecutive code lines form one code segment.
func splitSegments(src string) []segment {
	lines := strings.SplitAfter(src, "\n")
	var segs []segment
	var lx lexState
	codeStart := -1
	flush := func(end int) {
		if codeStart < 0 {
			return
		}
		var b strings.Builder
		for i, l := range lines {
			if i >= codeStart && i < end {
				b.WriteString(l)
			} else if strings.HasSuffix(l, "\n") {
				b.WriteString("\n")
			}
		}
		if strings.TrimSpace(b.String()) != "" {
			segs = append(segs, segment{code: b.String()})
		}
		codeStart = -1
	}
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if lx.atTop() && (strings.HasPrefix(t, "%") || strings.HasPrefix(t, "!")) {
			flush(i)
			segs = append(segs, segment{magic: t, line: i + 1})
			continue
		}
		if codeStart < 0 {
			codeStart = i
		}
		lx.feed(l)
	}
	flush(len(lines))
	return segs
}

// lexState follows just enough of Go's lexical structure to tell whether a
// line starts outside brackets, strings and comments.
type lexState struct {
	depth   int
	inRaw   bool // inside a `raw string`
	inBlock bool // inside a /* comment */
}

func (s *lexState) atTop() bool { return s.depth == 0 && !s.inRaw && !s.inBlock }

func (s *lexState) feed(line string) {
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case s.inRaw:
			if c == '`' {
				s.inRaw = false
			}
		case s.inBlock:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				s.inBlock = false
				i++
			}
		case c == '/' && i+1 < len(line) && line[i+1] == '/':
			return
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			s.inBlock = true
			i++
		case c == '`':
			s.inRaw = true
		case c == '"' || c == '\'':
			// Interpreted strings and runes end on the same line.
			for i++; i < len(line) && line[i] != c && line[i] != '\n'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
		case c == '(' || c == '[' || c == '{':
			s.depth++
		case c == ')' || c == ']' || c == '}':
			if s.depth > 0 {
				s.depth--
			}
		}
	}
}
