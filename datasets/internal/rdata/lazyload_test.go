package rdata

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeDB writes a lazy-load database holding the character vector
// greeting = c("hello", "world") as R's makeLazyLoadDB does: the .rdb entry
// is a big-endian length and the zlib-compressed serialization; the .rdx is
// the gzipped serialization of list(variables = list(greeting = c(offset,
// length)), references = list(), compressed = TRUE).
func writeDB(t *testing.T, dir string, corrupt bool) string {
	t.Helper()
	obj := unhex(t, v3Header+`00000010 00000002 00040009 00000005 68656c6c6f 00040009 00000005 776f726c64`)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(obj)
	zw.Close()
	var rdb bytes.Buffer
	binary.Write(&rdb, binary.BigEndian, uint32(len(obj)))
	rdb.Write(z.Bytes())
	if corrupt {
		rdb.Bytes()[3]++ // the stated length no longer matches
	}
	pad := 7 // the entry does not start the file
	index := unhex(t, v3Header+fmt.Sprintf(`
		00000213 00000003
		00000213 00000001
			0000000d 00000002 %08x %08x
			00000402 00000001 00040009 00000005 6e616d6573
				00000010 00000001 00040009 00000008 6772656574696e67
			000000fe
		00000013 00000000
		0000000a 00000001 00000001
		00000402 000001ff
			00000010 00000003
			00040009 00000009 7661726961626c6573
			00040009 0000000a 7265666572656e636573
			00040009 0000000a 636f6d70726573736564
		000000fe`, pad, rdb.Len()))
	var rdx bytes.Buffer
	gw := gzip.NewWriter(&rdx)
	gw.Write(index)
	gw.Close()
	base := filepath.Join(dir, "Rdata")
	if err := os.WriteFile(base+".rdb", append(make([]byte, pad), rdb.Bytes()...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".rdx", rdx.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return base
}

func TestLazyLoadDB(t *testing.T) {
	db, err := OpenDB(writeDB(t, t.TempDir(), false))
	if err != nil {
		t.Fatal(err)
	}
	if names := db.Names(); len(names) != 1 || names[0] != "greeting" {
		t.Fatalf("names %v, want [greeting]", names)
	}
	v, err := db.Load("greeting")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(v.Strings, " ") != "hello world" {
		t.Errorf("greeting = %q, want hello, world", v.Strings)
	}
	if _, err := db.Load("farewell"); err == nil || !strings.Contains(err.Error(), "greeting") {
		t.Errorf("loading a missing object: error %v, want one listing what the database holds", err)
	}
}

func TestLazyLoadDBLengthMismatch(t *testing.T) {
	db, err := OpenDB(writeDB(t, t.TempDir(), true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Load("greeting"); err == nil || !strings.Contains(err.Error(), "the entry says") {
		t.Errorf("error %v, want one about the stated length", err)
	}
}
