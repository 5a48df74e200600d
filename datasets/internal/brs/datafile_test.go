package brs

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"testing"
)

// dataFile lays out a data file as the Bible Retrieval System writes it:
// magic, title, block size, block count, offsets, a compress(1) header, the
// blocks (headerless compress streams).
func dataFile(blockSize int, header []byte, blocks ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.Write(make([]byte, blockSizeAt-len(magic)))
	copy(b.Bytes()[len(magic):], "Compressed Data File")
	binary.Write(&b, binary.BigEndian, uint32(blockSize))
	binary.Write(&b, binary.BigEndian, uint32(len(blocks)))
	off := offsetsAt + 4*(len(blocks)+1) + len(header)
	for _, blk := range blocks {
		binary.Write(&b, binary.BigEndian, uint32(off))
		off += len(blk)
	}
	binary.Write(&b, binary.BigEndian, uint32(off))
	b.Write(header)
	for _, blk := range blocks {
		b.Write(blk)
	}
	return b.Bytes()
}

func TestDecompress(t *testing.T) {
	want, _ := os.ReadFile("testdata/lzw.in")
	z, err := os.ReadFile("testdata/lzw-b16.Z")
	if err != nil {
		t.Fatal(err)
	}
	header, stream := z[:3], z[3:]
	got, err := Decompress(dataFile(len(want), header, stream, stream))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, append(append([]byte(nil), want...), want...)) {
		t.Errorf("two blocks decompressed to %d bytes, want %d", len(got), 2*len(want))
	}
}

func TestDecompressErrors(t *testing.T) {
	want, _ := os.ReadFile("testdata/lzw.in")
	z, _ := os.ReadFile("testdata/lzw-b16.Z")
	header, stream := z[:3], z[3:]
	for _, c := range []struct {
		name, want string
		data       []byte
	}{
		{"not a data file", "not a Bible Retrieval System", []byte("EF02KJV Concordance")},
		{"short first block", "block 0 holds", dataFile(len(want)+1, header, stream, stream)},
		{"no compress header", "no compress(1) header", dataFile(len(want), []byte("abc"), stream)},
		{"cut short", "spans bytes", dataFile(len(want), header, stream)[:200]},
	} {
		_, err := Decompress(c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
