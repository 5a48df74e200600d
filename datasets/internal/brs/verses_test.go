package brs

import (
	"fmt"
	"strings"
	"testing"
)

// bible makes a text with one verse in each book and extra lines after
// Genesis 1:1.
func bible(extra ...string) string {
	var b strings.Builder
	b.WriteString("Holy Bible, Authorized (King James) Version.  Textfile 930105.\n")
	for i, book := range Books {
		fmt.Fprintf(&b, "%s1:1 Verse of %s.\n", book.Abbrev, book.Name)
		if i == 0 {
			for _, l := range extra {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.String()
}

func TestParseVerses(t *testing.T) {
	verses, err := ParseVerses([]byte(bible("Ge1:2 And the earth was without form.", "Ge2:1 Thus the heavens.")))
	if err != nil {
		t.Fatal(err)
	}
	if len(verses) != len(Books)+2 {
		t.Fatalf("%d verses, want %d", len(verses), len(Books)+2)
	}
	want := []Verse{
		{0, 1, 1, "Verse of Genesis."},
		{0, 1, 2, "And the earth was without form."},
		{0, 2, 1, "Thus the heavens."},
		{1, 1, 1, "Verse of Exodus."},
	}
	for i, w := range want {
		if verses[i] != w {
			t.Errorf("verse %d = %+v, want %+v", i, verses[i], w)
		}
	}
	if last := verses[len(verses)-1]; Books[last.Book].Name != "Revelation" || last.Text != "Verse of Revelation." {
		t.Errorf("last verse %+v", last)
	}
	if v := verses[10]; Books[v.Book].Abbrev != "1Sm" {
		t.Errorf("book with a digit: %+v", v)
	}
}

func TestParseVersesErrors(t *testing.T) {
	for _, c := range []struct{ name, text, want string }{
		{"skipped verse", bible("Ge1:3 Skipped a verse."), "does not follow Genesis 1:1"},
		{"skipped chapter", bible("Ge3:1 Skipped a chapter."), "does not follow"},
		{"unknown book", bible("Gen1:2 Not an abbreviation."), `unknown book "Gen"`},
		{"no reference", bible("And the earth was without form."), "want a reference"},
		{"no text", bible("Ge1:2"), "want a reference"},
		{"book out of order", bible("Lev1:1 Too early."), "(Leviticus 1:1): does not follow Genesis 1:1"},
		{"ends early", strings.Join(strings.SplitAfter(bible(), "\n")[:5], ""), "ends in"},
	} {
		_, err := ParseVerses([]byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
