package main

import (
	"testing"

	"github.com/golora/golora/datasets/internal/brs"
)

func TestLayoutBible(t *testing.T) {
	verses := []brs.Verse{
		{Book: 0, Chapter: 1, Verse: 1, Text: "In the beginning God created the heaven and the earth."},
		{Book: 0, Chapter: 1, Verse: 2, Text: "And the earth was without form,  and void."},
		{Book: 0, Chapter: 2, Verse: 1, Text: "Thus the heavens and the earth were finished."},
		{Book: 18, Chapter: 23, Verse: 1, Text: "The LORD is my shepherd; I shall not want."},
	}
	want := "Genesis 1\n\nIn the beginning God created the heaven and the earth.\nAnd the earth was without form, and void.\n" +
		"\n\nGenesis 2\n\nThus the heavens and the earth were finished.\n" +
		"\n\nPsalms 23\n\nThe LORD is my shepherd; I shall not want.\n"
	if got := layoutBible(verses); got != want {
		t.Errorf("layoutBible:\n got %q\nwant %q", got, want)
	}
}
