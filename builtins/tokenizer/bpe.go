package tokenizer

// mergeRule says what a pair of adjacent symbols becomes: the token id of
// the merged symbol and the rule's rank (lower merges first).
type mergeRule struct {
	rank int32
	id   int32
}

// mergeTable maps a pair of symbol ids, packed by pairKey, to its rule.
type mergeTable map[uint64]mergeRule

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// symbol is one symbol of a word being merged: a token id, the bytes of
// the word it covers (start is -1 once merged into its left neighbour), and
// links to its live neighbours (-1 at the ends).
type symbol struct {
	id         int32
	start, end int32
	prev, next int32
}

// candidate is a merge waiting in the queue: the pair at symbol pos and its
// right neighbour, which were ids a and b when it was queued.
type candidate struct {
	rank, pos int32
	a, b      int32
	id        int32
}

// merger holds the scratch space of one word's merging, reused from word
// to word.
type merger struct {
	syms  []symbol
	queue []candidate
}

// reset starts a new word.
func (m *merger) reset() {
	m.syms = m.syms[:0]
	m.queue = m.queue[:0]
}

// add appends a symbol that covers word[start:end]. Symbols are added in
// order; a gap between two (a character the model drops) does not keep
// them from merging.
func (m *merger) add(id int32, start, end int) {
	n := int32(len(m.syms))
	m.syms = append(m.syms, symbol{id: id, start: int32(start), end: int32(end), prev: n - 1, next: n + 1})
}

// run applies the rules of table to the word until none applies: always the
// lowest-ranked pair first, the leftmost of equal ranks. This is the order
// of both Hugging Face tokenizers' BPE (rank = merge line) and
// SentencePiece's BPE (rank = order of the merged piece's score).
func (m *merger) run(table mergeTable) {
	if len(m.syms) == 0 {
		return
	}
	m.syms[len(m.syms)-1].next = -1
	for i := 0; i+1 < len(m.syms); i++ {
		m.consider(table, int32(i), int32(i+1))
	}
	for len(m.queue) > 0 {
		c := m.pop()
		s := &m.syms[c.pos]
		if s.start < 0 || s.next < 0 || s.id != c.a || m.syms[s.next].id != c.b {
			continue // stale: one of the two has changed since it was queued
		}
		right := &m.syms[s.next]
		s.id = c.id
		s.end = right.end
		right.start = -1
		s.next = right.next
		if s.next >= 0 {
			m.syms[s.next].prev = c.pos
		}
		if s.prev >= 0 {
			m.consider(table, s.prev, c.pos)
		}
		if s.next >= 0 {
			m.consider(table, c.pos, s.next)
		}
	}
}

// consider queues the pair of symbols left and right if a rule merges it.
func (m *merger) consider(table mergeTable, left, right int32) {
	a, b := m.syms[left].id, m.syms[right].id
	r, ok := table[pairKey(a, b)]
	if !ok {
		return
	}
	m.push(candidate{rank: r.rank, pos: left, a: a, b: b, id: r.id})
}

func (c candidate) before(d candidate) bool {
	return c.rank < d.rank || (c.rank == d.rank && c.pos < d.pos)
}

func (m *merger) push(c candidate) {
	q := append(m.queue, c)
	i := len(q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !q[i].before(q[p]) {
			break
		}
		q[i], q[p] = q[p], q[i]
		i = p
	}
	m.queue = q
}

func (m *merger) pop() candidate {
	q := m.queue
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(q) {
			break
		}
		c := l
		if r := l + 1; r < len(q) && q[r].before(q[l]) {
			c = r
		}
		if !q[c].before(q[i]) {
			break
		}
		q[i], q[c] = q[c], q[i]
		i = c
	}
	m.queue = q
	return top
}

// each calls f for the word's symbols in order.
func (m *merger) each(f func(id int32, start, end int)) {
	if len(m.syms) == 0 {
		return
	}
	for i := int32(0); i >= 0; i = m.syms[i].next {
		s := m.syms[i]
		f(s.id, int(s.start), int(s.end))
	}
}
