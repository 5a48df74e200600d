package main

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// definition is one dictionary entry made ready for an instruction row.
type definition struct {
	Term string
	Text string
}

// Why an entry yields no definition.
const (
	dropEmpty      = "empty"
	dropCrossRef   = "cross-reference only"
	dropTooLong    = "first sentence over the cap"
	dropUnfinished = "no finished sentence"
)

// maxDefinition caps a definition's length in characters: whole sentences
// are kept while they fit, and an entry whose first sentence does not fit is
// dropped.
const maxDefinition = 300

var (
	// devilLead is the head of a Devil's Dictionary entry before its
	// definition, the headword (submatch 1) and part of speech:
	// "ABASEMENT, n.  ", "WHITE, adj. and n.  ", "IMPOSTOR n.  ",
	// "BABE or BABY, n.  ".
	devilLead = regexp.MustCompile(`^([^a-z]*?(?:\b(?:or|and)\b[^a-z]*?)*),?\s*(?:n|n\.pl|v|v\.t|v\.i|adj|adv|pro|pron|pp|p\.p|x)\.(?:\s+and\s+[a-z.]+\.)?(?:\s+|$)`)
	// devilBareLead is the head of an entry without a part of speech:
	// "HABEAS CORPUS.  ", "CUI BONO?  ", "R.I.P.  ", or all of "ABRACADABRA.".
	devilBareLead = regexp.MustCompile(`^([^a-z]+?[.?])(?:\s{2,}|$)`)
	// leadingTag is a bracketed note before a definition: "[Latin]".
	leadingTag = regexp.MustCompile(`^(\[[^\]]*\]\s*)+`)
	// jargonLead is what may precede a Jargon File definition, in any
	// order: a sense number ("1."), a part of speech ("n.", "n.,vt."), a
	// bracketed note on origin or usage, a parenthesis ("(and {poke})"), a
	// list of other names ("alt.: marketing slime, marketdroid.").
	jargonLead = regexp.MustCompile(`^(([0-9]+\.|(n|v|vt|vi|adj|adv|interj|excl|pref|suff|prov|imp|quant|pl\.n|obs)\.,?|\[[^\]]*\]|\([^()]*\)|alt\.:[^.]*\.)\s*)+`)
	// crossRef is a reference to another entry, "{bit rot}", "{HUSBAND}",
	// which may be broken across lines inside the braces.
	crossRef = regexp.MustCompile(`\{\s*([^{}]*?)\s*\}`)
)

// crossRefWords are the words a definition may consist of, besides the
// terms it refers to, and still be only a cross-reference ("See {foo}.").
var crossRefWords = map[string]bool{
	"see": true, "also": true, "syn": true, "same": true, "as": true,
	"compare": true, "cf": true, "and": true, "or": true, "under": true,
	"sense": true, "senses": true, "entry": true, "the": true,
}

// devilDefinition cleans a Devil's Dictionary entry: the first paragraph
// (up to a blank or indented line, where the verse and anecdotes start)
// without its headword and part of speech, italics underscores removed. The
// term is the headword as the entry writes it, in lower case, or, where the
// entry runs its headword into the text ("I is the first letter …", as the
// letters do), the index's headword in capitals.
func devilDefinition(indexTerm, entry string) (definition, string) {
	var first []string
	for _, l := range strings.Split(entry, "\n") {
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, " ") {
			break
		}
		first = append(first, l)
	}
	text := joinWrapped(first)
	term := strings.ToUpper(indexTerm)
	if m := devilLead.FindStringSubmatchIndex(text); m != nil {
		term, text = devilTerm(text[m[2]:m[3]]), text[m[1]:]
	} else if m := devilBareLead.FindStringSubmatchIndex(text); m != nil {
		term, text = devilTerm(text[m[2]:m[3]]), text[m[1]:]
	}
	text = leadingTag.ReplaceAllString(text, "")
	text = cleanSpaces(strings.ReplaceAll(text, "_", ""))
	return finishDefinition(term, text)
}

// devilTerm turns a headword as printed ("KING'S EVIL", "CONFIDANT,
// CONFIDANTE", "CUI BONO?", "R.I.P.") into the term an instruction names:
// lower case, alternatives joined by "or", the closing full stop or question
// mark dropped; an abbreviation keeps its case and stops.
func devilTerm(head string) string {
	head = cleanSpaces(head)
	if strings.Count(head, ".") > 1 {
		return head
	}
	head = strings.TrimRight(head, ".?")
	return strings.ToLower(strings.ReplaceAll(head, ", ", " or "))
}

// jargonDefinition cleans a Jargon File entry: the headword line as written,
// and the first paragraph of the body that says more than what jargonLead
// strips, without it.
func jargonDefinition(entry string) (definition, string) {
	lines := strings.Split(strings.TrimLeft(entry, "\n"), "\n")
	term := cleanSpaces(lines[0])
	body := lines[1:]
	if len(body) > 0 && !strings.HasPrefix(body[0], "    ") {
		body = body[1:] // pronunciation and part of speech: " /dev·nuhl/, n."
	}
	text := ""
	for _, para := range strings.Split(strings.Join(body, "\n"), "\n\n") {
		text = jargonLead.ReplaceAllString(cleanSpaces(para), "")
		if strings.ContainsFunc(text, unicode.IsLetter) {
			break
		}
	}
	return finishDefinition(term, text)
}

// softHyphen marks where a word may break; some Jargon File entries have it.
const softHyphen = "\u00ad"

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// onlyCrossRef reports whether text says nothing but where to look: "See
// {bit rot}.", "Syn. {careware}.".
func onlyCrossRef(text string) bool {
	if !crossRef.MatchString(text) {
		return false
	}
	rest := crossRef.ReplaceAllString(text, " ")
	for _, w := range strings.FieldsFunc(strings.ToLower(rest), notLetter) {
		if !crossRefWords[w] {
			return false
		}
	}
	return true
}

func notLetter(r rune) bool {
	return !(r >= 'a' && r <= 'z')
}

// finishDefinition drops an entry that only refers to others, takes the
// braces off {cross references}, capitalises the first letter, caps the
// text at whole sentences, leaves out a last sentence that does not end as a
// sentence does, and says why an entry is dropped ("" when it is kept).
func finishDefinition(term, text string) (definition, string) {
	text = strings.TrimSpace(strings.ReplaceAll(text, softHyphen, ""))
	if !strings.ContainsFunc(text, unicode.IsLetter) {
		return definition{}, dropEmpty
	}
	if onlyCrossRef(text) {
		return definition{}, dropCrossRef
	}
	text = upperFirst(crossRef.ReplaceAllString(text, "$1"))
	capped, ok := capSentences(text, maxDefinition)
	if !ok {
		return definition{}, dropTooLong
	}
	if !endsSentence(capped) {
		// The last sentence is cut short, or introduces what follows the
		// paragraph (verse, code, a list) with a colon or a dash.
		ends := sentenceEnds(capped)
		if len(ends) < 2 {
			return definition{}, dropUnfinished
		}
		capped = strings.TrimSpace(capped[:ends[len(ends)-2]])
	}
	return definition{Term: term, Text: capped}, ""
}
