package llama

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/busy"
)

// GenOptions control generation.
type GenOptions struct {
	// MaxNewTokens bounds the tokens generated (DefaultMaxNewTokens when 0).
	MaxNewTokens int
	// Temperature divides the logits before sampling; 0 means greedy: always
	// the most likely token, as transformers' generate(do_sample=False).
	Temperature float64
	// TopK keeps only the K most likely tokens (0: all).
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches P (0 or 1: all).
	TopP float64
	// Seed makes sampling reproducible.
	Seed uint64
	// Stop ends generation as soon as the text contains one of these strings
	// (which are left out of the result). Text-level only (Generate).
	Stop []string
	// Quiet turns off streaming the text to standard output (Generate).
	Quiet bool
}

// DefaultMaxNewTokens is the MaxNewTokens of a zero GenOptions.
const DefaultMaxNewTokens = 128

// minBucket is the smallest sequence length graphs are compiled for.
const minBucket = 16

// bucket returns the length a graph is compiled for to hold n positions:
// the next power of two (at least minBucket), capped at limit. Generation
// therefore compiles a handful of graphs for a whole session, never one per
// prompt length or token.
func bucket(n, limit int) int {
	b := minBucket
	for b < n {
		b *= 2
	}
	return min(b, limit)
}

// GenerateIDs continues the token sequence prompt and returns the new
// tokens, up to opts.MaxNewTokens, the model's context length, or an
// end-of-sequence token (Config.EOS, included in the result). It calls
// onToken (when not nil) with each new token; onToken returns false to stop.
// It checks ctx before every token; when ctx is done it returns the tokens
// generated so far with ctx's error.
//
// The prompt is run through the model once (prefill), filling a key/value
// cache; each new token then costs one step over the cache. Both graphs
// are compiled per power-of-two length bucket and reused.
func (m *Model) GenerateIDs(ctx context.Context, prompt []int, opts GenOptions, onToken func(id int) bool) (ids []int, err error) {
	defer busy.Enter(ctx)()
	defer recoverTo(&err, "generate")
	c := m.Config
	if len(prompt) == 0 {
		return nil, fmt.Errorf("llama: generate needs a prompt of at least one token (the BOS token, for instance)")
	}
	for i, id := range prompt {
		if id < 0 || id >= c.VocabSize {
			return nil, fmt.Errorf("llama: prompt token %d (at %d) is outside the vocabulary of %d", id, i, c.VocabSize)
		}
	}
	if len(prompt) >= c.MaxPositionEmbeddings {
		return nil, fmt.Errorf("llama: prompt of %d tokens leaves no room in the model's %d positions", len(prompt), c.MaxPositionEmbeddings)
	}
	maxNew := cmp.Or(opts.MaxNewTokens, DefaultMaxNewTokens)
	maxNew = min(maxNew, c.MaxPositionEmbeddings-len(prompt))
	capacity := bucket(len(prompt)+maxNew, c.MaxPositionEmbeddings)
	sampler := newSampler(opts)

	if err := ctx.Err(); err != nil {
		return nil, err
	}
	logits, caches, err := m.prefill(prompt, capacity)
	if err != nil {
		return nil, err
	}
	defer func() { finalize(caches) }()
	step, err := execFor(m, fmt.Sprintf("decode/%d", capacity), m.decodeGraph)
	if err != nil {
		return nil, err
	}
	for pos := len(prompt); ; pos++ {
		id := sampler.next(logits)
		ids = append(ids, id)
		if onToken != nil && !onToken(id) || slices.Contains(c.EOS, id) || len(ids) == maxNew {
			return ids, nil
		}
		if err := ctx.Err(); err != nil {
			return ids, err
		}
		args := []any{tensors.FromFlatDataAndDimensions([]int32{int32(id)}, 1, 1), tensors.FromScalar(int32(pos))}
		for _, t := range caches {
			args = append(args, t)
		}
		out, err := m.compiled.Exec(step, args...)
		if err != nil {
			return ids, fmt.Errorf("llama: generate: %w", err)
		}
		finalize(caches)
		logits, caches = tensors.MustCopyFlatData[float32](out[0]), out[1:]
		out[0].MustFinalizeAll()
	}
}

// finalize frees tensors' buffers now rather than at garbage collection.
func finalize(ts []*tensors.Tensor) {
	for _, t := range ts {
		t.MustFinalizeAll()
	}
}

// prefill runs the prompt, padded to its length bucket, and returns the
// logits of its last token and the key/value caches [1, capacity, kvHeads,
// headDim] of every layer (keys and values alternating), holding the
// prompt's positions.
func (m *Model) prefill(prompt []int, capacity int) ([]float32, []*tensors.Tensor, error) {
	padded := make([]int32, bucket(len(prompt), capacity))
	for i, id := range prompt {
		padded[i] = int32(id)
	}
	exec, err := execFor(m, fmt.Sprintf("prefill/%d", capacity), func(ctx *model.Scope, inputs []*Node) []*Node {
		return m.prefillGraph(ctx, inputs[0], inputs[1], capacity)
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := m.compiled.Exec(exec, tensors.FromFlatDataAndDimensions(padded, 1, len(padded)), tensors.FromScalar(int32(len(prompt)-1)))
	if err != nil {
		return nil, nil, fmt.Errorf("llama: generate: prompt: %w", err)
	}
	logits := tensors.MustCopyFlatData[float32](out[0])
	out[0].MustFinalizeAll()
	return logits, out[1:], nil
}

// prefillGraph returns the logits [vocab] at position last of tokens [1,
// seq], then the layers' keys and values padded to capacity positions.
func (m *Model) prefillGraph(ctx *model.Scope, tokens, last *Node, capacity int) []*Node {
	g := tokens.Graph()
	c := m.Config
	seq := tokens.Shape().Dimensions[1]
	positions := Iota(g, shapes.Make(dtypes.Int32, seq), 0)
	att := &selfAttention{bias: attentionBias(positions, positions), keep: true}
	h := Reshape(m.hidden(ctx, tokens, positions, att), seq, c.HiddenSize)
	h = Gather(h, Reshape(last, 1, 1)) // [1, hidden]
	outputs := []*Node{m.headOfOne(h)}
	for layer := range c.NumLayers {
		for _, kv := range []*Node{att.keys[layer], att.values[layer]} {
			if seq < capacity {
				kv = Concatenate([]*Node{kv, Zeros(g, shapes.Make(dtypes.Float32, 1, capacity-seq, c.NumKVHeads, c.HeadDim))}, 1)
			}
			outputs = append(outputs, kv)
		}
	}
	return outputs
}

// decodeGraph runs one new token: inputs are the token [1, 1], its
// position (an int32 scalar) and the caches; it returns the logits [vocab]
// and the caches with the token's keys and values written in.
func (m *Model) decodeGraph(ctx *model.Scope, inputs []*Node) []*Node {
	token, pos, caches := inputs[0], inputs[1], inputs[2:]
	g := token.Graph()
	capacity := caches[0].Shape().Dimensions[1]
	positions := Reshape(pos, 1)
	keyPos := Iota(g, shapes.Make(dtypes.Int32, capacity), 0)
	att := &cachedAttention{position: pos, caches: slices.Clone(caches), bias: attentionBias(positions, keyPos)}
	h := m.hidden(ctx, token, positions, att)
	return append([]*Node{m.headOfOne(h)}, att.caches...)
}

// simplegoDirectProductLimit is the largest output of one matrix product
// (per batch example) that simplego computes directly; beyond it, simplego
// repacks both operands into 32×32 blocks, padding a single row to 32 rows.
// For one token's logits that means copying the whole LM head (37 MB for a
// 32000-word vocabulary) and computing 32 rows instead of one, every step.
const simplegoDirectProductLimit = 16 * 32 * 32

// headOfOne returns the logits [vocab] of one hidden state (any shape
// holding hidden values). The vocabulary is split into a batch of equal
// chunks of at most simplegoDirectProductLimit words, so that simplego
// takes its direct path (see simplegoDirectProductLimit); the product and
// its result are the same.
func (m *Model) headOfOne(h *Node) *Node {
	c := m.Config
	name := headName
	if c.TieWordEmbeddings {
		name = embedName
	}
	w := m.dense(h.Graph(), name)
	chunks := 1
	for n := 2; c.VocabSize/chunks > simplegoDirectProductLimit && n <= c.VocabSize; n++ {
		if c.VocabSize%n == 0 {
			chunks = n
		}
	}
	x := BroadcastToDims(Reshape(h, 1, 1, c.HiddenSize), chunks, 1, c.HiddenSize)
	w = Reshape(w, chunks, c.VocabSize/chunks, c.HiddenSize)
	return Reshape(batchProductIn(m.compute, x, []int{2}, []int{0}, w, []int{2}, []int{0}), c.VocabSize)
}

// cachedAttention attends over a key/value cache after writing the new
// token's keys and values into it at position.
type cachedAttention struct {
	position *Node
	caches   []*Node // Per layer: keys, values [1, capacity, kvHeads, headDim].
	bias     *Node
}

func (a *cachedAttention) attend(c Config, layer int, q, k, v *Node) *Node {
	keys := writeAt(a.caches[2*layer], k, a.position)
	values := writeAt(a.caches[2*layer+1], v, a.position)
	a.caches[2*layer], a.caches[2*layer+1] = keys, values
	return scaledAttention(c, q, keys, values, a.bias)
}

// writeAt returns cache [1, capacity, …] with x [1, 1, …] written at
// position (an int32 scalar), with a one-hot Where: simplego has no
// DynamicUpdateSlice.
func writeAt(cache, x, position *Node) *Node {
	g := cache.Graph()
	dims := cache.Shape().Dimensions
	slot := Equal(Iota(g, shapes.Make(dtypes.Int32, 1, dims[1], 1, 1), 1), Reshape(position, 1, 1, 1, 1))
	return Where(BroadcastToDims(slot, dims...), BroadcastToDims(x, dims...), cache)
}

// sampler picks tokens from logits as GenOptions say.
type sampler struct {
	opts GenOptions
	rng  *rand.Rand
}

func newSampler(opts GenOptions) *sampler {
	return &sampler{opts: opts, rng: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))}
}

// next returns the greedy choice (the first most likely token, as
// torch.argmax) at temperature 0, and otherwise samples after applying
// temperature, top-k and top-p, in transformers' order.
func (s *sampler) next(logits []float32) int {
	if s.opts.Temperature <= 0 {
		best := 0
		for i, l := range logits {
			if l > logits[best] {
				best = i
			}
		}
		return best
	}
	order := make([]int, len(logits))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(logits[b], logits[a]) })
	if k := s.opts.TopK; k > 0 && k < len(order) {
		order = order[:k]
	}
	probs := make([]float64, len(order))
	top, sum := float64(logits[order[0]])/s.opts.Temperature, 0.0
	for i, id := range order {
		probs[i] = math.Exp(float64(logits[id])/s.opts.Temperature - top)
		sum += probs[i]
	}
	if p := s.opts.TopP; p > 0 && p < 1 {
		kept, cum := 0, 0.0
		for kept < len(probs) && cum < p*sum {
			cum += probs[kept]
			kept++
		}
		order, probs, sum = order[:kept], probs[:kept], cum
	}
	r := s.rng.Float64() * sum
	for i, p := range probs {
		if r < p {
			return order[i]
		}
		r -= p
	}
	return order[len(order)-1]
}
