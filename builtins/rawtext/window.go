package rawtext

import "unicode/utf8"

// A block is one hard-cut block of text as tokens: ids[i] starts at byte
// offsets[i] of text and ends where the next token starts (the last at the
// end of text). An EOS, when added, is a last token at len(text).
type block struct {
	text    string
	ids     []int
	offsets []int
}

// at returns the byte offset of the boundary before token k; k = len(ids)
// is the end of the block.
func (b *block) at(k int) int {
	if k >= len(b.offsets) {
		return len(b.text)
	}
	return b.offsets[k]
}

// lineStart reports whether boundary k, between tokens k−1 and k, is just
// after a newline inside the block.
func (b *block) lineStart(k int) bool {
	if k <= 0 || k >= len(b.ids) {
		return false
	}
	at := b.at(k)
	return at > 0 && b.text[at-1] == '\n'
}

// chars returns the number of characters between boundaries j ≤ k.
func (b *block) chars(j, k int) int {
	return utf8.RuneCountInString(b.text[b.at(j):b.at(k)])
}

// nearestLineStart returns the line start nearest to boundary from among
// the boundaries lo … hi (lo ≤ from ≤ hi) that are no more than favor
// characters away from it, the earlier of two as near; or −1.
func (b *block) nearestLineStart(from, lo, hi, favor int) int {
	best, bestDist := -1, favor+1
	dist := 0
	for k := from; k >= lo && dist < bestDist; k-- {
		if k < from {
			dist += b.chars(k, k+1)
		}
		if dist < bestDist && b.lineStart(k) {
			best, bestDist = k, dist
		}
	}
	dist = 0
	for k := from + 1; k <= hi && dist < bestDist; k++ {
		dist += b.chars(k-1, k)
		if dist < bestDist && b.lineStart(k) {
			best, bestDist = k, dist
		}
	}
	return best
}

// windows returns the token ranges [start, end) of the block's chunks, as
// the package documentation lays out: windows of size tokens whose starts
// follow each other by size − overlap tokens, with cuts moved to a line
// start no more than favor characters away when favor > 0.
func (b *block) windows(size, overlap, favor int) [][2]int {
	n := len(b.ids)
	var spans [][2]int
	for start := 0; ; {
		end := min(start+size, n)
		if end < n && favor > 0 {
			if k := b.nearestLineStart(end, start+overlap+1, end, favor); k >= 0 {
				end = k
			}
		}
		spans = append(spans, [2]int{start, end})
		if end == n {
			return spans
		}
		next := end - overlap
		if favor > 0 {
			if k := b.nearestLineStart(next, start+1, end, favor); k >= 0 {
				next = k
			}
		}
		start = next
	}
}
