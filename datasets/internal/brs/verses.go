package brs

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Verse is one line of the text.
type Verse struct {
	Book    int // index into Books
	Chapter int
	Verse   int
	Text    string
}

// ParseVerses reads the decompressed text: a title line, then one verse a
// line, "Ge1:1 In the beginning …". It checks that books come in the order
// of Books and that chapters and verses count up from 1 without a gap, so a
// misread block cannot pass unnoticed.
func ParseVerses(text []byte) ([]Verse, error) {
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	if !sc.Scan() {
		return nil, fmt.Errorf("brs: empty text")
	}
	var verses []Verse
	prev := Verse{Book: 0, Chapter: 0, Verse: 0}
	for line := 2; sc.Scan(); line++ {
		v, err := parseVerse(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("brs: line %d: %w", line, err)
		}
		if err := follows(prev, v); err != nil {
			return nil, fmt.Errorf("brs: line %d (%s %d:%d): %w", line, Books[v.Book].Name, v.Chapter, v.Verse, err)
		}
		verses = append(verses, v)
		prev = v
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("brs: %w", err)
	}
	if prev.Book != len(Books)-1 {
		return nil, fmt.Errorf("brs: the text ends in %s, want %s", Books[prev.Book].Name, Books[len(Books)-1].Name)
	}
	return verses, nil
}

// follows checks that v comes right after prev.
func follows(prev, v Verse) error {
	switch {
	case v.Book == prev.Book && v.Chapter == prev.Chapter && v.Verse == prev.Verse+1:
	case v.Book == prev.Book && v.Chapter == prev.Chapter+1 && v.Verse == 1:
	case v.Book == prev.Book+1 && v.Chapter == 1 && v.Verse == 1:
	case prev.Chapter == 0 && v.Book == 0 && v.Chapter == 1 && v.Verse == 1:
	default:
		return fmt.Errorf("does not follow %s %d:%d", Books[prev.Book].Name, prev.Chapter, prev.Verse)
	}
	return nil
}

// parseVerse splits "1Sm3:10 And the LORD came" into its parts.
func parseVerse(line string) (Verse, error) {
	ref, text, ok := strings.Cut(line, " ")
	colon := strings.IndexByte(ref, ':')
	digits := strings.IndexAny(ref[min(1, len(ref)):], "0123456789") + 1
	if !ok || colon < 0 || digits < 1 || digits > colon {
		return Verse{}, fmt.Errorf("want a reference like Ge1:1 and the text, got %.40q", line)
	}
	book := -1
	for i, b := range Books {
		if b.Abbrev == ref[:digits] {
			book = i
		}
	}
	if book < 0 {
		return Verse{}, fmt.Errorf("unknown book %q", ref[:digits])
	}
	chapter, err1 := strconv.Atoi(ref[digits:colon])
	verse, err2 := strconv.Atoi(ref[colon+1:])
	if err1 != nil || err2 != nil || strings.TrimSpace(text) == "" {
		return Verse{}, fmt.Errorf("want a reference like Ge1:1 and the text, got %.40q", line)
	}
	return Verse{Book: book, Chapter: chapter, Verse: verse, Text: text}, nil
}
