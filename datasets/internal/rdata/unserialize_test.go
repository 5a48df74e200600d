package rdata

import (
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

// unhex decodes a hex string written with spaces between fields.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Headers of version 3 (R 4.2.1 writing, 3.5.0 needed, native encoding
// UTF-8) and version 2 streams.
const (
	v3Header = "580a 00000003 00040201 00030500 00000005 5554462d38"
	v2Header = "580a 00000002 00040201 00020300"
)

// TestUnserializeCharacter reads c("a", NA, "é" in UTF-8, "é" in latin1,
// "ok" marked ASCII): a character vector (type 16) of CHARSXPs (type 9)
// whose levels carry the encoding (UTF8 8, LATIN1 4, ASCII 64) and whose
// length -1 is NA.
func TestUnserializeCharacter(t *testing.T) {
	blob := unhex(t, v3Header+`
		00000010 00000005
		00040009 00000001 61
		00000009 ffffffff
		00008009 00000002 c3a9
		00004009 00000001 e9
		00040009 00000002 6f6b`)
	v, err := Unserialize(blob)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "", "é", "é", "ok"}
	if v.Type != Character || len(v.Strings) != len(want) {
		t.Fatalf("got type %d with %d strings, want a character vector of %d", v.Type, len(v.Strings), len(want))
	}
	for i, w := range want {
		if v.Strings[i] != w {
			t.Errorf("element %d = %q, want %q", i+1, v.Strings[i], w)
		}
	}
	if v.NA == nil || !v.NA[1] || v.NA[0] || v.NA[2] {
		t.Errorf("NA = %v, want only element 2", v.NA)
	}
}

// TestUnserializeNamedList reads list(n = 1:2, x = c(0.5, NA), ok = TRUE)
// with class "thing": a list with attributes (flags 0x213), the attributes
// a pairlist of tagged nodes (0x402) ending in NULL (0xfe).
func TestUnserializeNamedList(t *testing.T) {
	blob := unhex(t, v2Header+`
		00000213 00000003
		0000000d 00000002 00000001 00000002
		0000000e 00000002 3fe0000000000000 7ff00000000007a2
		0000000a 00000001 00000001
		00000402
			00000001 00040009 00000005 6e616d6573
			00000010 00000003 00040009 00000001 6e 00040009 00000001 78 00040009 00000002 6f6b
		00000402
			00000001 00040009 00000005 636c617373
			00000010 00000001 00040009 00000005 7468696e67
		000000fe`)
	v, err := Unserialize(blob)
	if err != nil {
		t.Fatal(err)
	}
	if n := v.Get("n"); n == nil || n.Type != Integer || len(n.Ints) != 2 || n.Ints[1] != 2 {
		t.Errorf("n = %+v, want the integers 1, 2", n)
	}
	x := v.Get("x")
	if x == nil || x.Type != Double || x.Reals[0] != 0.5 || !math.IsNaN(x.Reals[1]) {
		t.Errorf("x = %+v, want 0.5, NA", x)
	}
	if ok := v.Get("ok"); ok == nil || ok.Type != Logical || ok.Ints[0] != 1 {
		t.Errorf("ok = %+v, want TRUE", ok)
	}
	if c := v.Attr("class"); c == nil || len(c.Strings) != 1 || c.Strings[0] != "thing" {
		t.Errorf("class attribute = %+v, want \"thing\"", c)
	}
	if v.Get("missing") != nil {
		t.Error("Get found an element that is not there")
	}
}

// TestUnserializeSymbolReference reads a pairlist whose second tag refers
// back to the first symbol: pairlist(a = 1L, a = 2L).
func TestUnserializeSymbolReference(t *testing.T) {
	blob := unhex(t, v3Header+`
		00000402 00000001 00040009 00000001 61 0000000d 00000001 00000001
		00000402 000001ff 0000000d 00000001 00000002
		000000fe`)
	v, err := Unserialize(blob)
	if err != nil {
		t.Fatal(err)
	}
	if v.Type != Pairlist || len(v.Elems) != 2 || v.Tags[0] != "a" || v.Tags[1] != "a" || v.Elems[1].Ints[0] != 2 {
		t.Errorf("got %+v, want a pairlist a = 1, a = 2", v)
	}
}

func TestUnserializeErrors(t *testing.T) {
	for _, c := range []struct {
		name, blob, want string
		unsupported      bool
	}{
		{"ASCII format", "410a 00000003", `want "X\n" first`, false},
		{"version 4", "580a 00000004 00040201 00030500", "version 4", false},
		{"truncated vector", v3Header + "0000000d 00000003 00000001", "does not fit", false},
		{"huge length", v3Header + "00000010 7fffffff", "does not fit", false},
		{"closure", v3Header + "00000003", "type 3", true},
		{"ALTREP", v3Header + "000000ee", "ALTREP", true},
		{"bad reference", v3Header + "000002ff", "reference 2", false},
		{"string not UTF-8", v3Header + "00000010 00000001 00008009 00000001 ff", "not valid UTF-8", false},
	} {
		_, err := Unserialize(unhex(t, c.blob))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
			continue
		}
		if c.unsupported != errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: errors.Is(err, ErrUnsupported) = %v", c.name, !c.unsupported)
		}
	}
}
