package tokenizer

import "bytes"

// normText is text being normalized: its bytes, and for each byte the
// offset in the input it comes from (orig nil: byte i comes from base+i).
type normText struct {
	s    []byte
	orig []int32
	base int
}

// at returns the input offset of byte i.
func (n *normText) at(i int) int {
	if n.orig == nil {
		return n.base + i
	}
	if i >= len(n.orig) {
		if len(n.orig) == 0 {
			return n.base
		}
		return int(n.orig[len(n.orig)-1]) + 1
	}
	return int(n.orig[i])
}

// explicit makes orig hold every offset, before a change that moves bytes.
func (n *normText) explicit() {
	if n.orig != nil {
		return
	}
	n.orig = make([]int32, len(n.s))
	for i := range n.orig {
		n.orig[i] = int32(n.base + i)
	}
}

// prepend puts p in front of a non-empty text; p's bytes come from the
// first byte's offset.
func (n *normText) prepend(p string) {
	if len(n.s) == 0 {
		return
	}
	n.explicit()
	at := n.orig[0]
	s := make([]byte, 0, len(p)+len(n.s))
	s = append(append(s, p...), n.s...)
	orig := make([]int32, 0, len(s))
	for range len(p) {
		orig = append(orig, at)
	}
	n.s, n.orig = s, append(orig, n.orig...)
}

// replace writes with in place of every occurrence of old, left to right;
// the bytes of with come from the offset of old's first byte.
func (n *normText) replace(old, with string) {
	if bytes.Index(n.s, []byte(old)) < 0 {
		return
	}
	n.explicit()
	s := make([]byte, 0, len(n.s))
	orig := make([]int32, 0, len(n.s))
	for i := 0; i < len(n.s); {
		if !hasPrefixBytes(n.s[i:], old) {
			s = append(s, n.s[i])
			orig = append(orig, n.orig[i])
			i++
			continue
		}
		s = append(s, with...)
		for range len(with) {
			orig = append(orig, n.orig[i])
		}
		i += len(old)
	}
	n.s, n.orig = s, orig
}

// slice returns the part of n from byte i to byte j.
func (n *normText) slice(i, j int) normText {
	if n.orig == nil {
		return normText{s: n.s[i:j], base: n.base + i}
	}
	return normText{s: n.s[i:j], orig: n.orig[i:j]}
}

// normalizer is one step of a tokenizer.json normalizer.
type normalizer interface {
	normalize(n *normText)
}

type prependNormalizer struct{ prefix string }

func (p prependNormalizer) normalize(n *normText) { n.prepend(p.prefix) }

type replaceNormalizer struct{ old, with string }

func (r replaceNormalizer) normalize(n *normText) { n.replace(r.old, r.with) }
