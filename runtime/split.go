package runtime

import (
	"go/scanner"
	"go/token"
)

// itemKind says what a top-level piece of a cell is.
type itemKind int

const (
	itemImport itemKind = iota
	itemType
	itemFunc   // a func declaration
	itemMethod // a func declaration with a receiver
	itemVar
	itemConst
	itemStmt
)

func (k itemKind) isDecl() bool { return k != itemStmt }

// item is one top-level declaration or statement of a cell, as a byte range
// of the cell source.
type item struct {
	kind       itemKind
	start, end int
}

type tok struct {
	pos int // byte offset
	tok token.Token
	lit string
}

// splitItems cuts Go source into its top-level items: each ends at a
// semicolon, written or implied by a newline, outside brackets. Lexical
// errors are left for the parser to report.
func splitItems(src string) []item {
	fset := token.NewFileSet()
	file := fset.AddFile("", -1, len(src))
	var s scanner.Scanner
	s.Init(file, []byte(src), func(token.Position, string) {}, 0)
	var toks []tok
	for {
		pos, t, lit := s.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{file.Offset(pos), t, lit})
	}

	var items []item
	depth := 0
	start := -1
	// header is set between the keyword of a for, if or switch and its
	// body: the semicolons written there (for i := 0; i < n; i++) separate
	// the header's clauses, not items.
	header := false
	for i, t := range toks {
		if start < 0 {
			if t.tok == token.SEMICOLON {
				continue
			}
			start = i
		}
		switch t.tok {
		case token.FOR, token.IF, token.SWITCH, token.SELECT:
			if depth == 0 {
				header = true
			}
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			if depth > 0 {
				depth--
			}
			if depth == 0 && t.tok == token.RBRACE {
				header = false
			}
		}
		if depth == 0 && t.tok == token.SEMICOLON && header && t.lit == ";" {
			continue
		}
		if depth == 0 && t.tok == token.SEMICOLON {
			header = false
			items = append(items, item{kind: classify(toks[start:i]), start: toks[start].pos, end: t.pos})
			start = -1
		}
	}
	if start >= 0 {
		items = append(items, item{kind: classify(toks[start:]), start: toks[start].pos, end: len(src)})
	}
	return items
}

func classify(ts []tok) itemKind {
	switch ts[0].tok {
	case token.IMPORT:
		return itemImport
	case token.TYPE:
		return itemType
	case token.VAR:
		return itemVar
	case token.CONST:
		return itemConst
	case token.FUNC:
		if len(ts) > 1 && ts[1].tok == token.IDENT {
			return itemFunc
		}
		// func (r T) Name(...) is a method; func(...) {...}() is a statement.
		if len(ts) > 1 && ts[1].tok == token.LPAREN {
			depth := 0
			for i := 1; i < len(ts); i++ {
				switch ts[i].tok {
				case token.LPAREN:
					depth++
				case token.RPAREN:
					depth--
				}
				if depth == 0 {
					// A generic method is not Go, so only ( follows the name.
					if i+2 < len(ts) && ts[i+1].tok == token.IDENT && ts[i+2].tok == token.LPAREN {
						return itemMethod
					}
					return itemStmt
				}
			}
		}
	}
	return itemStmt
}
