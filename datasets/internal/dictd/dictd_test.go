package dictd

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeNumber(t *testing.T) {
	for _, c := range []struct {
		s    string
		want int64
	}{
		{"A", 0}, {"B", 1}, {"Z", 25}, {"a", 26}, {"z", 51}, {"0", 52}, {"9", 61},
		{"+", 62}, {"/", 63}, {"BA", 64}, {"uA", 46 * 64}, {"Cf", 2*64 + 31},
		{"BdqM", 1*64*64*64 + 29*64*64 + 42*64 + 12},
	} {
		got, err := DecodeNumber(c.s)
		if err != nil || got != c.want {
			t.Errorf("DecodeNumber(%q) = %d, %v; want %d", c.s, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "A=", "AAAAAAAAAAA", "é"} {
		if _, err := DecodeNumber(bad); err == nil {
			t.Errorf("DecodeNumber(%q) gave no error", bad)
		}
	}
}

const sampleText = "00-database-short\n     Sample\nABATIS, n.  Rubbish in front of a fort.\n\nBABE or BABY, n.  A misshapen creature.\n"

// sampleIndex points at sampleText: the metadata record (0+30), then two
// headwords that share one definition (71+40), then abatis (30+40).
const sampleIndex = "00databaseshort\tA\te\nbabe\tBH\to\nbaby\tBH\to\nabatis\te\to\n"

func TestParseIndex(t *testing.T) {
	entries, err := ParseIndex("sample.index", []byte(sampleIndex))
	if err != nil {
		t.Fatal(err)
	}
	want := []Entry{{"00databaseshort", 0, 30}, {"babe", 71, 40}, {"baby", 71, 40}, {"abatis", 30, 40}}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(entries), len(want))
	}
	for i, w := range want {
		if entries[i] != w {
			t.Errorf("entry %d = %+v, want %+v", i, entries[i], w)
		}
	}
	for _, bad := range []string{"word\tA\n", "word\tA\t!\n", "word\t?\tA\n"} {
		_, err := ParseIndex("bad.index", []byte(bad))
		if err == nil || !strings.Contains(err.Error(), "bad.index") || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ParseIndex(%q): error %v, want one naming the file and line", bad, err)
		}
	}
}

func TestOpenDictzip(t *testing.T) {
	dir := t.TempDir()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte(sampleText))
	zw.Close()
	index, dict := filepath.Join(dir, "sample.index"), filepath.Join(dir, "sample.dict.dz")
	os.WriteFile(index, []byte(sampleIndex), 0o644)
	os.WriteFile(dict, z.Bytes(), 0o644)
	d, err := Open(index, dict)
	if err != nil {
		t.Fatal(err)
	}
	defs := d.Definitions()
	if len(defs) != 2 || defs[0].Headword != "babe" || defs[1].Headword != "abatis" {
		t.Fatalf("definitions %+v, want babe (not baby, which shares it) and abatis, no metadata", defs)
	}
	if got := d.Definition(defs[1]); got != "ABATIS, n.  Rubbish in front of a fort.\n" {
		t.Errorf("abatis: %q", got)
	}
	if got := d.Definition(defs[0]); got != "BABE or BABY, n.  A misshapen creature.\n" {
		t.Errorf("babe: %q", got)
	}
}

func TestNewRejectsEntryOutsideText(t *testing.T) {
	_, err := New([]Entry{{"far", 10, 50}}, []byte("short text"), "x.dict")
	if err == nil || !strings.Contains(err.Error(), `"far"`) {
		t.Errorf("error %v, want one naming the entry", err)
	}
}
