package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/golora/golora/datasets/internal/brs"
)

// buildKJV writes the King James Bible as plain running text.
func buildKJV(in inputs) ([]output, error) {
	path := in.path(pkgKJV, kjvData)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	text, err := brs.Decompress(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	verses, err := brs.ParseVerses(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return []output{textOutput("pretrain/kjv.txt", layoutBible(verses))}, nil
}

// layoutBible writes each chapter as a heading ("Genesis 1"), a blank line
// and its verses one a line without their numbers, chapters two blank lines
// apart, so that each chapter is one block for golora's raw-text chunking.
func layoutBible(verses []brs.Verse) string {
	var b strings.Builder
	for i, v := range verses {
		if v.Verse == 1 {
			if i > 0 {
				b.WriteString("\n\n")
			}
			fmt.Fprintf(&b, "%s %d\n\n", brs.Books[v.Book].Name, v.Chapter)
		}
		b.WriteString(cleanSpaces(v.Text))
		b.WriteString("\n")
	}
	return b.String()
}
