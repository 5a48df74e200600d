package brs

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Layout of a data file: the magic "EC02", an 80-byte NUL-padded title, the
// uncompressed size of a block, the number of blocks n, then n+1 file offsets
// (block i is bytes offsets[i] to offsets[i+1]). The first block is preceded
// by a compress(1) header (0x1f 0x9d and a flags byte) that holds for all.
const (
	magic         = "EC02"
	blockSizeAt   = 84
	blockCountAt  = 88
	offsetsAt     = 92
	compressMagic = "\x1f\x9d"
	flagBlockMode = 0x80
	flagMaxBits   = 0x1f
)

// Decompress returns the text of a data file.
func Decompress(data []byte) ([]byte, error) {
	if len(data) < offsetsAt || !bytes.HasPrefix(data, []byte(magic)) {
		return nil, fmt.Errorf("brs: not a Bible Retrieval System data file (want %q first)", magic)
	}
	blockSize := int(binary.BigEndian.Uint32(data[blockSizeAt:]))
	n := int(binary.BigEndian.Uint32(data[blockCountAt:]))
	headerEnd := offsetsAt + 4*(n+1)
	if n == 0 || headerEnd+3 > len(data) {
		return nil, fmt.Errorf("brs: %d blocks do not fit in a %d-byte file", n, len(data))
	}
	offsets := make([]int, n+1)
	for i := range offsets {
		offsets[i] = int(binary.BigEndian.Uint32(data[offsetsAt+4*i:]))
	}
	header := data[headerEnd : headerEnd+3]
	if !bytes.HasPrefix(header, []byte(compressMagic)) || offsets[0] != headerEnd+3 {
		return nil, fmt.Errorf("brs: no compress(1) header at byte %d before the first block", headerEnd)
	}
	maxBits := int(header[2] & flagMaxBits)
	blockMode := header[2]&flagBlockMode != 0
	text := make([]byte, 0, n*blockSize)
	for i := 0; i < n; i++ {
		lo, hi := offsets[i], offsets[i+1]
		if lo > hi || hi > len(data) {
			return nil, fmt.Errorf("brs: block %d spans bytes %d to %d of a %d-byte file", i, lo, hi, len(data))
		}
		block, err := decodeLZW(data[lo:hi], maxBits, blockMode)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", i, err)
		}
		if len(block) > blockSize || (i < n-1 && len(block) != blockSize) {
			return nil, fmt.Errorf("brs: block %d holds %d bytes, want %d", i, len(block), blockSize)
		}
		text = append(text, block...)
	}
	return text, nil
}
