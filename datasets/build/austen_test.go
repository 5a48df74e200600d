package main

import (
	"reflect"
	"testing"
)

func TestParagraphs(t *testing.T) {
	lines := []string{
		"EMMA", "", "",
		"Emma Woodhouse, handsome, clever,", "and _rich_, with a  comfortable home.", "",
		"like the arrival of a cannon-", "shot and the departure --", "", "   ",
		"     \"MY DEAR MADAM,", "",
	}
	want := []string{
		"EMMA",
		"Emma Woodhouse, handsome, clever, and rich, with a comfortable home.",
		"like the arrival of a cannon-shot and the departure --",
		`"MY DEAR MADAM,`,
	}
	if got := paragraphs(lines); !reflect.DeepEqual(got, want) {
		t.Errorf("paragraphs:\n got %q\nwant %q", got, want)
	}
}

func TestLayoutNovel(t *testing.T) {
	paras := []string{"EMMA", "By Jane Austen", "VOLUME I", "CHAPTER I", "Emma Woodhouse.", "Sixteen years.", "CHAPTER II", "Mr. Weston.", "* * * * *", "FINIS"}
	want := "EMMA\n\nBy Jane Austen\n\n\nVOLUME I\n\nCHAPTER I\n\nEmma Woodhouse.\n\nSixteen years.\n\n\nCHAPTER II\n\nMr. Weston.\n\n* * * * *\n\nFINIS\n"
	if got := layoutNovel(paras); got != want {
		t.Errorf("layoutNovel:\n got %q\nwant %q", got, want)
	}
}

func TestHeadingPattern(t *testing.T) {
	for s, want := range map[string]bool{
		"CHAPTER I": true, "CHAPTER XLVIII": true, "Chapter 22": true, "VOLUME III": true,
		"CHAPTER": false, "Chapter 22.": false, "volume of the Spectator": false, "CHAPTER I The Beginning": false,
	} {
		if heading.MatchString(s) != want {
			t.Errorf("heading.MatchString(%q) = %v, want %v", s, !want, want)
		}
	}
}
