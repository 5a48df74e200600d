package brs

import (
	"errors"
	"fmt"
)

// The LZW variant of Unix compress(1): codes start 9 bits wide and grow to
// maxBits, packed least-significant bit first; in block mode code 256 clears
// the table. compress writes codes in groups of eight, so whenever the width
// changes (or the table is cleared) the reader skips to the end of the
// current group: the group is width bytes long.
const (
	initBits  = 9
	clearCode = 256
	firstCode = 257
)

// errCorrupt reports a code that cannot occur in a valid stream.
var errCorrupt = errors.New("brs: corrupt LZW data")

// decodeLZW decompresses one headerless compress(1) stream whose codes are
// at most maxBits wide. blockMode says whether code 256 clears the table.
func decodeLZW(src []byte, maxBits int, blockMode bool) ([]byte, error) {
	if maxBits < initBits || maxBits > 16 {
		return nil, fmt.Errorf("brs: LZW code width %d outside 9..16", maxBits)
	}
	maxMax := 1 << maxBits
	prefix := make([]int32, maxMax)
	suffix := make([]byte, maxMax)
	for c := 0; c < 256; c++ {
		suffix[c] = byte(c)
	}
	next := 256
	if blockMode {
		next = firstCode
	}
	width := initBits
	totalBits := len(src) * 8
	groupStart := 0 // bit position where codes of the current width began
	pos := 0
	var out, stack []byte
	old := -1
	var first byte
	for {
		if next > (1<<width)-1 && width < maxBits {
			pos = alignGroup(groupStart, pos, width)
			groupStart = pos
			width++
		}
		if pos+width > totalBits {
			return out, nil
		}
		code := readCode(src, pos, width)
		pos += width
		if old < 0 {
			if code > 255 {
				return nil, fmt.Errorf("%w: first code %d at bit %d", errCorrupt, code, pos-width)
			}
			first = byte(code)
			out = append(out, first)
			old = code
			continue
		}
		if code == clearCode && blockMode {
			pos = alignGroup(groupStart, pos, width)
			groupStart = pos
			width = initBits
			next = firstCode - 1
			continue
		}
		in := code
		stack = stack[:0]
		if code >= next {
			if code > next {
				return nil, fmt.Errorf("%w: code %d beyond table size %d at bit %d", errCorrupt, code, next, pos-width)
			}
			stack = append(stack, first)
			code = old
		}
		for code >= 256 {
			stack = append(stack, suffix[code])
			code = int(prefix[code])
		}
		first = suffix[code]
		stack = append(stack, first)
		for i := len(stack) - 1; i >= 0; i-- {
			out = append(out, stack[i])
		}
		if next < maxMax {
			prefix[next] = int32(old)
			suffix[next] = first
			next++
		}
		old = in
	}
}

// alignGroup rounds pos up to the end of the group of eight width-bit codes
// that started at groupStart.
func alignGroup(groupStart, pos, width int) int {
	group := width * 8
	n := pos - groupStart
	return groupStart + (n+group-1)/group*group
}

// readCode returns the width-bit code starting at bit pos, LSB first.
func readCode(src []byte, pos, width int) int {
	var v uint32
	byteAt := pos >> 3
	for i := 0; i < 3 && byteAt+i < len(src); i++ {
		v |= uint32(src[byteAt+i]) << (8 * i)
	}
	return int(v>>(pos&7)) & (1<<width - 1)
}
