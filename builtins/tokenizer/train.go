package tokenizer

import (
	"container/heap"
	"context"
	"fmt"

	"github.com/golora/golora/internal/busy"
)

// The special tokens of a tokenizer made by TrainBPE, with ids 0, 1, 2.
const (
	TrainedBOS = "<s>"
	TrainedEOS = "</s>"
	TrainedPAD = "<pad>"
)

// TrainBPE learns a byte-level BPE tokenizer from texts, as GPT-2's: texts
// are cut by GPT-2's pre-tokenization pattern, every byte is a token, and
// the most frequent adjacent pair of tokens is merged into a new token
// until the vocabulary has vocabSize tokens (or no pair is left). Ids 0, 1
// and 2 are the special tokens TrainedBOS, TrainedEOS and TrainedPAD; ids 3
// to 258 are the 256 bytes. Ties between equally frequent pairs go to the
// pair whose tokens sort first, so training is deterministic.
//
// The result is what Save writes: a tokenizer.json that Hugging Face
// tokenizers loads and encodes identically, with a post-processor that
// puts <s> in front of a sequence.
//
// ctx stops the training between texts as it counts words and between
// merges, and TrainBPE then returns ctx's error.
func TrainBPE(ctx context.Context, texts []string, vocabSize int) (*Tokenizer, error) {
	defer busy.Enter(ctx)()
	if vocabSize < 3+256 {
		return nil, fmt.Errorf("tokenizer: TrainBPE: vocabSize %d is below 259, the special tokens and bytes", vocabSize)
	}
	tr, err := newTrainer(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: TrainBPE: %w", err)
	}
	if err := tr.train(ctx, vocabSize); err != nil {
		return nil, fmt.Errorf("tokenizer: TrainBPE: %w", err)
	}
	data := trainedJSON(tr.vocab, tr.merges)
	t, err := parseJSON("", data)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: TrainBPE made a tokenizer.json it cannot read: %w", err)
	}
	t.source = "TrainBPE"
	return t, nil
}

// trainer holds the state of BPE training: the distinct words with their
// counts, the count of every adjacent pair, and which words hold each pair.
type trainer struct {
	vocab  []string         // byte-level token strings by id
	ids    map[string]int32 // and back
	merges [][2]string
	words  []trainWord
	pairs  map[uint64]int
	where  map[uint64][]int32
	queue  pairQueue
}

type trainWord struct {
	syms  []int32
	count int
}

// newTrainer counts the words of texts and the pairs in them.
func newTrainer(ctx context.Context, texts []string) (*trainer, error) {
	tr := &trainer{
		vocab: []string{TrainedBOS, TrainedEOS, TrainedPAD},
		ids:   map[string]int32{},
		pairs: map[uint64]int{},
		where: map[uint64][]int32{},
	}
	for b := range 256 {
		tr.vocab = append(tr.vocab, string(byteLevelChars[b]))
	}
	for i, v := range tr.vocab {
		tr.ids[v] = int32(i)
	}
	index := map[string]int32{}
	for i, text := range texts {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("counting the words of text %d of %d: %w", i, len(texts), err)
		}
		b := []byte(text)
		splitGPT2(b, func(start, end int) {
			w := string(b[start:end])
			i, ok := index[w]
			if !ok {
				i = int32(len(tr.words))
				index[w] = i
				syms := make([]int32, len(w))
				for k := range len(w) {
					syms[k] = 3 + int32(w[k])
				}
				tr.words = append(tr.words, trainWord{syms: syms})
			}
			tr.words[i].count++
		})
	}
	for wi, w := range tr.words {
		for k := 0; k+1 < len(w.syms); k++ {
			key := pairKey(w.syms[k], w.syms[k+1])
			tr.pairs[key] += w.count
			tr.where[key] = append(tr.where[key], int32(wi))
		}
	}
	for key, n := range tr.pairs {
		tr.queue = append(tr.queue, tr.entry(key, n))
	}
	heap.Init(&tr.queue)
	return tr, nil
}

func (tr *trainer) entry(key uint64, n int) pairEntry {
	return pairEntry{key: key, count: n, a: tr.vocab[key>>32], b: tr.vocab[uint32(key)]}
}

// train merges the best pair until the vocabulary is full.
func (tr *trainer) train(ctx context.Context, vocabSize int) error {
	for len(tr.vocab) < vocabSize && tr.queue.Len() > 0 {
		e := heap.Pop(&tr.queue).(pairEntry)
		if tr.pairs[e.key] != e.count || e.count == 0 {
			continue // stale
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("merging, with %d of %d tokens: %w", len(tr.vocab), vocabSize, err)
		}
		merged := e.a + e.b
		id, ok := tr.ids[merged]
		if !ok {
			id = int32(len(tr.vocab))
			tr.vocab = append(tr.vocab, merged)
			tr.ids[merged] = id
		}
		tr.merges = append(tr.merges, [2]string{e.a, e.b})
		tr.apply(e.key, id)
	}
	return nil
}

// apply replaces the pair key by id in every word that holds it, keeping
// the pair counts up to date.
func (tr *trainer) apply(key uint64, id int32) {
	a, b := int32(key>>32), int32(uint32(key))
	changed := map[uint64]bool{}
	count := func(syms []int32, n int, wi int32) {
		for k := 0; k+1 < len(syms); k++ {
			p := pairKey(syms[k], syms[k+1])
			tr.pairs[p] += n
			changed[p] = true
			if ws := tr.where[p]; n > 0 && (len(ws) == 0 || ws[len(ws)-1] != wi) {
				tr.where[p] = append(ws, wi)
			}
		}
	}
	var merged []int32
	for _, wi := range tr.where[key] {
		w := &tr.words[wi]
		merged = merged[:0]
		for k := 0; k < len(w.syms); k++ {
			if k+1 < len(w.syms) && w.syms[k] == a && w.syms[k+1] == b {
				merged = append(merged, id)
				k++
			} else {
				merged = append(merged, w.syms[k])
			}
		}
		if len(merged) == len(w.syms) {
			continue // listed twice, or no longer holds the pair
		}
		count(w.syms, -w.count, wi)
		w.syms = append(w.syms[:0], merged...)
		count(w.syms, w.count, wi)
	}
	delete(tr.where, key)
	for k := range changed {
		if n := tr.pairs[k]; n > 0 {
			heap.Push(&tr.queue, tr.entry(k, n))
		} else {
			delete(tr.pairs, k)
			delete(tr.where, k)
		}
	}
}

// pairEntry is a pair in the training queue, with its count when queued.
type pairEntry struct {
	key   uint64
	count int
	a, b  string
}

// pairQueue orders pairs by count, then by their tokens.
type pairQueue []pairEntry

func (q pairQueue) Len() int { return len(q) }
func (q pairQueue) Less(i, j int) bool {
	if q[i].count != q[j].count {
		return q[i].count > q[j].count
	}
	if q[i].a != q[j].a {
		return q[i].a < q[j].a
	}
	return q[i].b < q[j].b
}
func (q pairQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *pairQueue) Push(x any)   { *q = append(*q, x.(pairEntry)) }
func (q *pairQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
