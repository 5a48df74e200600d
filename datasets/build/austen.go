package main

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/golora/golora/datasets/internal/rdata"
)

// novels are the objects of janeaustenr's database, in publication order,
// with the file each becomes. cutAt names a paragraph at which the novel's
// text ends (it and all after it are left out); heldOutFrom names the
// heading from which the rest of the novel goes to the held-out file.
var novels = [...]struct {
	object      string
	slug        string
	cutAt       string
	heldOutFrom string
}{
	{object: "sensesensibility", slug: "sense-and-sensibility"},
	{object: "prideprejudice", slug: "pride-and-prejudice"},
	{object: "mansfieldpark", slug: "mansfield-park"},
	{object: "emma", slug: "emma"},
	// The Signet Classic edition's closing "A NOTE ON THE TEXT" is an
	// editor's, not Austen's: it is left out.
	{object: "northangerabbey", slug: "northanger-abbey", cutAt: "A NOTE ON THE TEXT"},
	{object: "persuasion", slug: "persuasion", heldOutFrom: "Chapter 22"},
}

// heading matches a paragraph that is a chapter or volume heading.
var heading = regexp.MustCompile(`^(CHAPTER|Chapter|VOLUME|Volume) ([IVXLC]+|[0-9]+)$`)

// buildAusten writes one text per novel and the held-out text.
func buildAusten(in inputs) ([]output, error) {
	db, err := rdata.OpenDB(in.path(pkgAusten, austenDB))
	if err != nil {
		return nil, err
	}
	var outs []output
	for _, n := range novels {
		v, err := db.Load(n.object)
		if err != nil {
			return nil, err
		}
		if v.Type != rdata.Character || v.NA != nil {
			return nil, fmt.Errorf("janeaustenr: %s is a type %d object, want a character vector without NA", n.object, v.Type)
		}
		paras := paragraphs(v.Strings)
		if n.cutAt != "" {
			i := indexOf(paras, n.cutAt)
			if i < 0 {
				return nil, fmt.Errorf("janeaustenr: %s has no paragraph %q to end at", n.object, n.cutAt)
			}
			paras = paras[:i]
		}
		if n.heldOutFrom != "" {
			i := indexOf(paras, n.heldOutFrom)
			if i < 0 {
				return nil, fmt.Errorf("janeaustenr: %s has no heading %q to hold out from", n.object, n.heldOutFrom)
			}
			outs = append(outs, textOutput("heldout/austen-heldout.txt", layoutNovel(paras[i:])))
			paras = paras[:i]
		}
		outs = append(outs, textOutput("pretrain/austen-"+n.slug+".txt", layoutNovel(paras)))
	}
	return outs, nil
}

// paragraphs joins the package's lines (one element a printed line, empty
// elements between paragraphs) into paragraphs: lines joined as joinWrapped
// does, runs of spaces made one, and the underscores that mark italics
// removed.
func paragraphs(lines []string) []string {
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, cleanSpaces(strings.ReplaceAll(joinWrapped(cur), "_", "")))
			cur = cur[:0]
		}
	}
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return paras
}

// joinWrapped joins the lines of a paragraph with a space, except after a
// line that ends in a hyphen after a letter: these texts were typed without
// hyphenation, so such a line break splits a compound ("cannon-" "shot").
func joinWrapped(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if i > 0 && !endsInCompoundHyphen(lines[i-1]) {
			b.WriteByte(' ')
		}
		b.WriteString(l)
	}
	return b.String()
}

func endsInCompoundHyphen(line string) bool {
	line = strings.TrimSpace(line)
	n := len(line)
	return n >= 2 && line[n-1] == '-' && unicode.IsLetter(rune(line[n-2]))
}

// cleanSpaces trims s and turns every run of white space into one space.
func cleanSpaces(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// layoutNovel writes paragraphs one a line with a blank line between them,
// and two blank lines before a run of headings, so that each chapter is one
// block for golora's raw-text chunking (whose default hard cut is "\n\n\n").
func layoutNovel(paras []string) string {
	var b strings.Builder
	for i, p := range paras {
		switch {
		case i == 0:
		case heading.MatchString(p) && !heading.MatchString(paras[i-1]):
			b.WriteString("\n\n")
		default:
			b.WriteString("\n")
		}
		b.WriteString(p)
		b.WriteString("\n")
	}
	return b.String()
}

func indexOf(paras []string, p string) int {
	for i, q := range paras {
		if q == p {
			return i
		}
	}
	return -1
}
