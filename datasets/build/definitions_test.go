package main

import "testing"

func TestDevilDefinition(t *testing.T) {
	for _, c := range []struct {
		name, index, entry string
		want               definition
		drop               string
	}{
		{"plain", "abasement", "ABASEMENT, n.  A decent and customary mental attitude in the presence\nof wealth of power.  Peculiarly appropriate in an employee when\naddressing an employer.\n\n",
			definition{"abasement", "A decent and customary mental attitude in the presence of wealth of power. Peculiarly appropriate in an employee when addressing an employer."}, ""},
		{"verse and anecdote left out", "abdication", "ABDICATION, n.  An act whereby a sovereign attests his sense of the\nhigh temperature of the throne.\n\n    Poor Isabella's Dead, whose abdication\n    Set all tongues wagging in the Spanish nation.\n",
			definition{"abdication", "An act whereby a sovereign attests his sense of the high temperature of the throne."}, ""},
		{"alternatives", "babe", "BABE or BABY, n.  A misshapen creature of no particular age.\n",
			definition{"babe or baby", "A misshapen creature of no particular age."}, ""},
		{"two headwords", "confidant", "CONFIDANT, CONFIDANTE, n.  One entrusted by A with the secrets of B,\nconfided by _him_ to C.\n",
			definition{"confidant or confidante", "One entrusted by A with the secrets of B, confided by him to C."}, ""},
		{"no part of speech, a tag", "cui bono", "CUI BONO?  [Latin]  What good would that do _me_?\n",
			definition{"cui bono", "What good would that do me?"}, ""},
		{"abbreviation", "rip", "R.I.P.  A careless abbreviation of _requiescat in pace_.\n",
			definition{"R.I.P.", "A careless abbreviation of requiescat in pace."}, ""},
		{"two parts of speech", "white", "WHITE, adj. and n.  Black.\n", definition{"white", "Black."}, ""},
		{"no comma", "impostor", "IMPOSTOR n.  A rival aspirant to public honors.\n", definition{"impostor", "A rival aspirant to public honors."}, ""},
		{"a letter", "j", "J is a consonant in English, but some nations use it as a vowel --\nthan which nothing could be more absurd.\n",
			definition{"J", "J is a consonant in English, but some nations use it as a vowel -- than which nothing could be more absurd."}, ""},
		{"compound split at a line end", "debt", "DEBT, n.  An ingenious substitute for the chain and whip of the slave-\ndriver.\n",
			definition{"debt", "An ingenious substitute for the chain and whip of the slave-driver."}, ""},
		{"cross-reference", "monad", "MONAD, n.  The ultimate, indivisible unit of matter.  (See {MOLECULE}.)\n",
			definition{"monad", "The ultimate, indivisible unit of matter. (See MOLECULE.)"}, ""},
		{"verse only", "allegiance", "ALLEGIANCE, n.\n\n    This thing Allegiance, as I suppose,\n", definition{}, dropEmpty},
		{"headword only", "abracadabra", "ABRACADABRA.\n\n    By Abracadabra we signify\n", definition{}, dropEmpty},
		{"only a cross-reference", "wife", "WIFE, n.  See {HUSBAND}.\n", definition{}, dropCrossRef},
		{"a colon introduces verse", "epitaph", "EPITAPH, n.  An inscription on a tomb.  Following is a touching example:\n\n    Here lie the bones\n",
			definition{"epitaph", "An inscription on a tomb."}, ""},
	} {
		got, drop := devilDefinition(c.index, c.entry)
		if got != c.want || drop != c.drop {
			t.Errorf("%s:\n got %+v (drop %q)\nwant %+v (drop %q)", c.name, got, drop, c.want, c.drop)
		}
	}
}

func TestJargonDefinition(t *testing.T) {
	for _, c := range []struct {
		name, entry string
		want        definition
		drop        string
	}{
		{"tag and braces across lines", "/dev/null\n /dev·nuhl/, n.\n\n    [from the Unix null device, used as a data sink] A notional ‘black hole’ in\n    any information space. See {bit\n    bucket}.\n\n",
			definition{"/dev/null", "A notional ‘black hole’ in any information space. See bit bucket."}, ""},
		{"tag-only paragraph, sense number, part of speech", "barf\n /barf/, n.,v.\n\n    [common; from mainstream slang meaning ‘vomit’]\n\n    1. interj. Term of disgust.\n\n    2. v. To say ‘Barf!’\n",
			definition{"barf", "Term of disgust."}, ""},
		{"no pronunciation line", "all your base are belong to us\n\n\n    A declaration of victory or superiority.\n",
			definition{"all your base are belong to us", "A declaration of victory or superiority."}, ""},
		{"parenthesis first", "peek\n n.,vt.\n\n    (and {poke}) The commands in most microcomputer BASICs for directly\n    accessing memory.\n",
			definition{"peek", "The commands in most microcomputer BASICs for directly accessing memory."}, ""},
		{"lower-case start, soft hyphen", "BSD\n /B·S·D/, n.\n\n    [abbreviation for ‘Berkeley Software Distribution’] a family of Unix ver\u00adsions.\n",
			definition{"BSD", "A family of Unix versions."}, ""},
		{"last sentence cut short", "toggle\n vt.\n\n    To change a {bit} from whatever state it is in to the other state. To\n    change from 1 to 0 or from 0 to\n",
			definition{"toggle", "To change a bit from whatever state it is in to the other state."}, ""},
		{"only a cross-reference", "alpha particles\n n.\n\n    See {bit rot}.\n", definition{}, dropCrossRef},
		{"only a synonym", "chanop\n n.\n\n    [IRC] Syn. {channel op}.\n", definition{}, dropCrossRef},
		{"a cross-reference with a sense", "klone\n n.\n\n    See {clone}, sense 4.\n", definition{}, dropCrossRef},
		{"no finished sentence", "swab\n /swob/\n\n    1. vt. To solve the {NUXI problem} by swapping bytes in a file\n", definition{}, dropUnfinished},
	} {
		got, drop := jargonDefinition(c.entry)
		if got != c.want || drop != c.drop {
			t.Errorf("%s:\n got %+v (drop %q)\nwant %+v (drop %q)", c.name, got, drop, c.want, c.drop)
		}
	}
}

func TestDefinitionCap(t *testing.T) {
	long := "A word that goes on "
	for len(long) < maxDefinition {
		long += "and on "
	}
	long += "forever."
	if _, drop := devilDefinition("x", "LONGWORD, n.  "+long+"\n"); drop != dropTooLong {
		t.Errorf("a first sentence of %d characters: drop %q, want %q", len(long), drop, dropTooLong)
	}
	got, drop := devilDefinition("x", "SHORT, n.  Brief.  "+long+"\n")
	if drop != "" || got.Text != "Brief." {
		t.Errorf("a short sentence before a long one: got %q (drop %q), want only the short one", got.Text, drop)
	}
}
