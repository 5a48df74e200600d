package rdata

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
)

// DB is an R lazy-load database: the objects of a package's data/Rdata.rdb,
// found through the index in Rdata.rdx.
type DB struct {
	rdb     string
	entries map[string][2]int64 // name → offset and length in the .rdb
}

// OpenDB reads the index of the lazy-load database whose files are
// base+".rdx" and base+".rdb" (for example ".../janeaustenr/data/Rdata").
func OpenDB(base string) (*DB, error) {
	rdx := base + ".rdx"
	raw, err := os.ReadFile(rdx)
	if err != nil {
		return nil, fmt.Errorf("rdata: %w", err)
	}
	payload, err := decompressRDS(raw)
	if err != nil {
		return nil, fmt.Errorf("rdata: %s: %w", rdx, err)
	}
	index, err := Unserialize(payload)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rdx, err)
	}
	if c := index.Get("compressed"); c == nil || c.Type != Logical || len(c.Ints) != 1 || c.Ints[0] != 1 {
		return nil, fmt.Errorf("rdata: %s: only zlib-compressed databases (compressed = TRUE) are read", rdx)
	}
	vars := index.Get("variables")
	if vars == nil || vars.Type != List {
		return nil, fmt.Errorf("rdata: %s: no list of variables in the index", rdx)
	}
	names := vars.Attr("names")
	if names == nil || len(names.Strings) != len(vars.Elems) {
		return nil, fmt.Errorf("rdata: %s: the variables are not named", rdx)
	}
	db := &DB{rdb: base + ".rdb", entries: make(map[string][2]int64, len(vars.Elems))}
	for i, e := range vars.Elems {
		pos, ok := offsetLength(e)
		if !ok {
			return nil, fmt.Errorf("rdata: %s: variable %q has no (offset, length) pair", rdx, names.Strings[i])
		}
		db.entries[names.Strings[i]] = pos
	}
	return db, nil
}

// offsetLength reads an index entry, an integer or double vector of two.
func offsetLength(v *Value) ([2]int64, bool) {
	switch {
	case v.Type == Integer && len(v.Ints) == 2:
		return [2]int64{int64(v.Ints[0]), int64(v.Ints[1])}, true
	case v.Type == Double && len(v.Reals) == 2:
		return [2]int64{int64(v.Reals[0]), int64(v.Reals[1])}, true
	}
	return [2]int64{}, false
}

// decompressRDS undoes the gzip compression saveRDS applies by default, and
// passes an uncompressed stream through.
func decompressRDS(raw []byte) ([]byte, error) {
	if !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Names lists the objects in the database, sorted.
func (db *DB) Names() []string {
	names := make([]string, 0, len(db.entries))
	for n := range db.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load reads the object called name: a 4-byte big-endian length followed by
// the zlib-compressed serialization.
func (db *DB) Load(name string) (*Value, error) {
	pos, ok := db.entries[name]
	if !ok {
		return nil, fmt.Errorf("rdata: %s: no object %q (the database holds %v)", db.rdb, name, db.Names())
	}
	f, err := os.Open(db.rdb)
	if err != nil {
		return nil, fmt.Errorf("rdata: %w", err)
	}
	defer f.Close()
	blob := make([]byte, pos[1])
	if _, err := f.ReadAt(blob, pos[0]); err != nil {
		return nil, fmt.Errorf("rdata: %s: object %q at %d+%d: %w", db.rdb, name, pos[0], pos[1], err)
	}
	payload, err := inflateEntry(blob)
	if err != nil {
		return nil, fmt.Errorf("rdata: %s: object %q: %w", db.rdb, name, err)
	}
	v, err := Unserialize(payload)
	if err != nil {
		return nil, fmt.Errorf("%s: object %q: %w", db.rdb, name, err)
	}
	return v, nil
}

// inflateEntry decompresses one .rdb entry and checks its stated length.
func inflateEntry(blob []byte) ([]byte, error) {
	if len(blob) < 4 {
		return nil, fmt.Errorf("entry of %d bytes is too short", len(blob))
	}
	want := binary.BigEndian.Uint32(blob)
	zr, err := zlib.NewReader(bytes.NewReader(blob[4:]))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	if uint32(len(out)) != want {
		return nil, fmt.Errorf("inflated to %d bytes, the entry says %d", len(out), want)
	}
	return out, nil
}
