package main

import (
	"strings"
	"testing"
)

func TestSentenceEnds(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"A liar in the caterpillar estate.", []string{"A liar in the caterpillar estate."}},
		{"Broken. Confused. Trashed.", []string{"Broken.", "Confused.", "Trashed."}},
		{"See Mr. Smith, esp. on Sundays, e.g. Easter. Then go.", []string{"See Mr. Smith, esp. on Sundays, e.g. Easter.", "Then go."}},
		{"Written by A. B. Smith. Read it.", []string{"Written by A. B. Smith.", "Read it."}},
		{"A dog? No! A cat.", []string{"A dog?", "No!", "A cat."}},
		{"ends in 1. then lower case. Next.", []string{"ends in 1. then lower case.", "Next."}},
		{`He said “Come on, everyone! Let's go.” Then he left.`, []string{`He said “Come on, everyone! Let's go.”`, "Then he left."}},
		{`Called it "entuzy-muzy." Had a relapse.`, []string{`Called it "entuzy-muzy."`, "Had a relapse."}},
		{"Not funny. [That is, mice. —ESR] Done.", []string{"Not funny.", "[That is, mice. —ESR] Done."}},
		{"(See MOLECULE.) According to Leibnitz.", []string{"(See MOLECULE.)", "According to Leibnitz."}},
	} {
		var got []string
		start := 0
		for _, end := range sentenceEnds(c.text) {
			got = append(got, strings.TrimSpace(c.text[start:end]))
			start = end
		}
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("sentences of %q:\n got %q\nwant %q", c.text, got, c.want)
		}
	}
}

func TestCapSentences(t *testing.T) {
	text := "One two. Three four five. Six."
	for _, c := range []struct {
		max  int
		want string
		ok   bool
	}{
		{100, text, true},
		{25, "One two. Three four five.", true},
		{24, "One two.", true},
		{8, "One two.", true},
		{7, "", false},
	} {
		got, ok := capSentences(text, c.max)
		if got != c.want || ok != c.ok {
			t.Errorf("capSentences(%q, %d) = %q, %v; want %q, %v", text, c.max, got, ok, c.want, c.ok)
		}
	}
	if got, _ := capSentences("é é é. B", 6); got != "é é é." {
		t.Errorf("the cap counts characters, not bytes: got %q", got)
	}
}

func TestEndsSentence(t *testing.T) {
	for s, want := range map[string]bool{
		"Done.": true, "Really?": true, `He said “no.”`: true, "(See X.)": true,
		"something like this:": false, "make them whole --": false, "from 0 to": false,
	} {
		if endsSentence(s) != want {
			t.Errorf("endsSentence(%q) = %v", s, !want)
		}
	}
}
