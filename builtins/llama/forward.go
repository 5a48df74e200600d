package llama

import (
	"math"
	"runtime"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/golora/golora/internal/llamagraph"
)

// maskedBias is added to the attention scores of pairs that must not attend:
// finite, so that a row with no allowed key gives a uniform (ignored) row
// instead of NaN, and large enough that exp underflows to exactly 0.
const maskedBias = -1e30

// logitsGraph builds the forward pass of LlamaForCausalLM (see
// llamagraph.Model.LogitsGraph).
func (m *Model) logitsGraph(ctx *model.Scope, tokens, mask *Node) *Node {
	return m.head(m.selfHidden(ctx, tokens, mask))
}

// selfHidden runs the model over tokens [batch, seq] attending to
// themselves, positions from 0 (per segment, see segmentAttention), and
// returns the final hidden states [batch, seq, hidden].
func (m *Model) selfHidden(ctx *model.Scope, tokens, mask *Node) *Node {
	att := &selfAttention{fused: m.fusedAttention(tokens.Graph())}
	var positions *Node
	if mask == nil {
		positions = Iota(tokens.Graph(), shapes.Make(dtypes.Int32, tokens.Shape().Dimensions[1]), 0)
		att.bias = attentionBias(positions, positions)
	} else {
		positions, att.bias = segmentAttention(mask)
		if att.fused != dtypes.InvalidDType {
			att.seqLens = realTokens(mask)
		}
	}
	return m.hidden(ctx, tokens, positions, att)
}

// lossGraph builds the mean cross entropy of the model's next-token
// predictions (see llamagraph.Model.LossGraph): crossEntropy of
// logitsGraph, computed without materialising the gradient of the logits
// (see loss.go).
func (m *Model) lossGraph(ctx *model.Scope, tokens, mask, targets, weights *Node) *Node {
	return meanLoss(m.lossSumGraph(ctx, tokens, mask, targets, weights))
}

// lossSumGraph is lossGraph as its two parts: the weighted sum of the
// negative log-likelihoods and the sum of the weights.
func (m *Model) lossSumGraph(ctx *model.Scope, tokens, mask, targets, weights *Node) (sum, count *Node) {
	h := m.selfHidden(ctx, tokens, mask)
	head := m.weights[m.headName()]
	return headLoss(h, m.dense(h.Graph(), m.headName()), head.Trainable, targets, weights, m.lossChunks(), m.compute)
}

// lossChunks is the number of chunks of rows headLoss splits the logits
// into: on the Go backend, enough for every core to have an element-wise op
// to run; XLA fuses and parallelises those ops itself.
func (m *Model) lossChunks() int {
	if m.choice.name == gobackend.BackendName {
		return 2 * runtime.NumCPU()
	}
	return 1
}

// crossEntropy returns Σ weight·(−log softmax(logits)[target]) / Σ weight
// over all positions, or 0 when every weight is 0. logits is [batch, seq,
// vocab], targets [batch, seq] int32, weights [batch, seq] float32. With
// weights 1 where a Hugging Face label is not −100, it is the loss
// LlamaForCausalLM returns.
func crossEntropy(logits, targets, weights *Node) *Node {
	return meanLoss(crossEntropySum(logits, targets, weights))
}

// meanLoss returns sum/count, or 0 when count is 0.
func meanLoss(sum, count *Node) *Node {
	safe := Max(count, ScalarOne(count.Graph(), dtypes.Float32))
	return Where(GreaterThan(count, ScalarZero(count.Graph(), dtypes.Float32)), Div(sum, safe), ScalarZero(count.Graph(), dtypes.Float32))
}

// crossEntropySum returns the weighted sum of the negative log-likelihoods
// of the targets and the sum of the weights.
func crossEntropySum(logits, targets, weights *Node) (sum, count *Node) {
	g := logits.Graph()
	dims := logits.Shape().Dimensions
	b, s := dims[0], dims[1]
	// The target's logit, gathered with (row, position, target) indices:
	// Gather's gradient is a ScatterSum, which simplego has.
	idx := Concatenate([]*Node{
		Iota(g, shapes.Make(dtypes.Int32, b, s, 1), 0),
		Iota(g, shapes.Make(dtypes.Int32, b, s, 1), 1),
		Reshape(ConvertDType(targets, dtypes.Int32), b, s, 1),
	}, -1)
	target := Gather(logits, idx)
	top := StopGradient(ReduceAndKeep(logits, ReduceMax, -1))
	logZ := Add(Log(ReduceSum(Exp(Sub(logits, top)), -1)), Reshape(top, b, s))
	nll := Mul(Sub(logZ, target), weights)
	return ReduceAllSum(nll), ReduceAllSum(weights)
}

// hidden runs the embedding, the layers and the final norm: tokens [batch,
// seq] at positions [seq] or [batch, seq] → [batch, seq, hidden].
func (m *Model) hidden(ctx *model.Scope, tokens, positions *Node, att attention) *Node {
	g := tokens.Graph()
	c := m.Config
	x := m.gatherRows(g, embedName, InsertAxes(ConvertDType(tokens, dtypes.Int32), -1))
	if x.DType() != dtypes.Float32 { // Half-precision weights: activations in float32.
		x = ConvertDType(x, dtypes.Float32)
	}
	r := newRope(c, positions)
	for layer := range c.NumLayers {
		if m.checkpoint {
			x = x.Checkpoint()
		}
		x = m.block(ctx, layer, x, r, att)
	}
	if m.checkpoint {
		x = x.StopCheckpoint()
	}
	return rmsNorm(x, m.weight(g, normName), c.RMSNormEps)
}

// head maps hidden states [batch, seq, hidden] to logits [batch, seq, vocab]
// with lm_head, or the embedding matrix when they are tied.
func (m *Model) head(x *Node) *Node {
	return productIn(m.compute, x, []int{-1}, m.dense(x.Graph(), m.headName()), []int{1})
}

// headName is the name of the LM head's weight: lm_head's, or the embedding
// matrix when they are tied.
func (m *Model) headName() string {
	if m.Config.TieWordEmbeddings {
		return embedName
	}
	return headName
}

// weight returns the graph value of the named weight.
func (m *Model) weight(g *Graph, name string) *Node { return m.weights[name].NodeValue(g) }

// block is one decoder layer: pre-norm attention and pre-norm SiLU-gated
// MLP, each added to the residual stream.
func (m *Model) block(ctx *model.Scope, layer int, x *Node, r rope, att attention) *Node {
	g := x.Graph()
	c := m.Config
	dims := x.Shape().Dimensions
	b, s := dims[0], dims[1]
	lin := c.linearsOfLayer(layer)
	h := rmsNorm(x, m.weight(g, layerTensor(layer, "input_layernorm")), c.RMSNormEps)
	q := Reshape(m.linear(ctx, lin[0], h), b, s, c.NumHeads, c.HeadDim)
	k := Reshape(m.linear(ctx, lin[1], h), b, s, c.NumKVHeads, c.HeadDim)
	v := Reshape(m.linear(ctx, lin[2], h), b, s, c.NumKVHeads, c.HeadDim)
	x = Add(x, m.linear(ctx, lin[3], att.attend(c, layer, r.apply(q), r.apply(k), v)))
	h = rmsNorm(x, m.weight(g, layerTensor(layer, "post_attention_layernorm")), c.RMSNormEps)
	gate, up := m.linear(ctx, lin[4], h), m.linear(ctx, lin[5], h)
	return Add(x, m.linear(ctx, lin[6], Mul(Mul(gate, Sigmoid(gate)), up)))
}

// linear applies module l to x [batch, seq, In], then the adapter.
func (m *Model) linear(ctx *model.Scope, l Linear, x *Node) *Node {
	y := productIn(m.compute, x, []int{-1}, m.dense(x.Graph(), l.Name()+".weight"), []int{1})
	if m.adapter != nil {
		y = m.adapter.Adapt(ctx, l, x, y)
	}
	return y
}

// rmsNorm is x / sqrt(mean(x²) + eps) · w over the last axis. It divides by
// Sqrt rather than multiplying by Rsqrt because GoMLX has no gradient for
// Rsqrt; w [d] is reshaped to x's rank because binary ops broadcast only
// axes of size 1, not missing axes.
func rmsNorm(x, w *Node, eps float64) *Node {
	meanSquare := ReduceAndKeep(Mul(x, x), ReduceMean, -1)
	normed := Div(x, Sqrt(AddScalar(meanSquare, eps)))
	shape := slices.Repeat([]int{1}, x.Rank())
	shape[len(shape)-1] = w.Shape().Dimensions[0]
	return Mul(normed, Reshape(w, shape...))
}

// attentionBias returns the causal additive attention mask [1, 1, seq, 1,
// keys]: 0 where a query at queryPos [seq] may attend a key at keyPos
// [keys] (the key is not later) and maskedBias elsewhere. Masked batches
// take theirs from segmentAttention.
func attentionBias(queryPos, keyPos *Node) *Node {
	g := queryPos.Graph()
	s, k := queryPos.Shape().Dimensions[0], keyPos.Shape().Dimensions[0]
	allowed := LessOrEqual(Reshape(keyPos, 1, 1, 1, 1, k), Reshape(queryPos, 1, 1, s, 1, 1))
	return Where(allowed, ScalarZero(g, dtypes.Float32), Scalar(g, dtypes.Float32, maskedBias))
}

// attention computes a layer's attention output [batch, seq, heads·headDim]
// from its rotated queries [batch, seq, heads, headDim] and its rotated keys
// and values [batch, seq, kvHeads, headDim].
type attention interface {
	attend(c Config, layer int, q, k, v *Node) *Node
}

// selfAttention attends over the sequence itself, through bias.
type selfAttention struct {
	bias *Node
	// fused is the dtype in which to try the backend's fused attention
	// (flashAttention), or dtypes.InvalidDType not to; seqLens [batch]
	// (int32) counts each row's real tokens (realTokens), nil when all are
	// real.
	fused   dtypes.DType
	seqLens *Node
	// keep asks attend to record each layer's keys and values, to fill a cache.
	keep         bool
	keys, values []*Node
}

func (a *selfAttention) attend(c Config, layer int, q, k, v *Node) *Node {
	if a.keep {
		a.keys, a.values = append(a.keys, k), append(a.values, v)
	}
	if a.fused == dtypes.InvalidDType {
		return scaledAttention(c, q, k, v, a.bias)
	}
	// A backend that has the fused op but not its gradient (the Go
	// backend) differentiates the decomposed attention instead.
	ops := q.Graph().Backend().Capabilities().Operations
	out, _ := InternalFusedOpCaller(
		func() *Node { return flashAttention(c, q, k, v, a.seqLens, a.fused) },
		func() *Node { return scaledAttention(c, q, k, v, a.bias) },
		!ops[compute.OpTypeFusedScaledDotProductAttentionVJP])
	return out
}

// fusedAttention returns the dtype in which the model's attention tries the
// backend's fused attention, or dtypes.InvalidDType when it does not: only
// when its products run in half precision (bfloat16 or float16 weights) on
// a backend that has the op, other than the Go backend, where half
// precision is emulated in float32. That is XLA's CUDA plugin, whose fused
// attention is cuDNN's flash attention; XLA's CPU plugin has the op's name
// but not the kernel, and InternalFusedOpCaller falls back to scaledAttention.
// The fused op masks padding by sequence lengths and knows nothing of
// segments: there, the tokens of a packed row attend across its segments
// (see "Packed rows" in the package documentation).
func (m *Model) fusedAttention(g *Graph) dtypes.DType {
	if !m.mayFuseAttention(g.Backend()) {
		return dtypes.InvalidDType
	}
	return m.compute
}

// mayFuseAttention reports whether the model's attention goes through the
// backend's fused op on b (see fusedAttention).
func (m *Model) mayFuseAttention(b compute.Backend) bool {
	return m.compute.IsHalfPrecision() && b.String() != gobackend.BackendName &&
		b.Capabilities().Operations[compute.OpTypeFusedScaledDotProductAttention]
}

// flashAttention is scaledAttention through the backend's fused scaled
// dot-product attention: causal, with each row's first seqLens[row] tokens
// real (padding on the right; nil when all are), queries [batch, seq, heads,
// headDim] and keys and values [batch, seq, kvHeads, headDim] rounded to dt,
// the output converted back to q's dtype. cuDNN's flash attention on CUDA
// never materialises the [batch, heads, seq, seq] scores, in either pass, and
// keeps the softmax's statistics in float32.
func flashAttention(c Config, q, k, v, seqLens *Node, dt dtypes.DType) *Node {
	dims := q.Shape().Dimensions
	b, s := dims[0], dims[1]
	round := func(x *Node) *Node {
		if x.DType() != dt {
			return ConvertDType(x, dt)
		}
		return x
	}
	cfg := &compute.ScaledDotProductAttentionConfig{Scale: 1 / math.Sqrt(float64(c.HeadDim)), Causal: true}
	if seqLens != nil {
		lens := InternalBackendOutputs(seqLens)[0]
		cfg.QuerySeqLen, cfg.KeyValueSeqLen = lens, lens
	}
	out, _ := BackendFusedScaledDotProductAttention(round(q), round(k), round(v), compute.AttentionAxesLayoutBSHD, cfg)
	if out.DType() != q.DType() {
		out = ConvertDType(out, q.DType())
	}
	return Reshape(out, b, s, c.NumHeads*c.HeadDim)
}

// scaledAttention is softmax(q·kᵀ/√headDim + bias)·v with grouped-query
// attention: query head h uses key/value head h / (heads/kvHeads), as
// transformers' repeat_kv arranges them. The queries are viewed as [batch,
// seq, kvHeads, group, headDim], so that keys and values are never copied per
// query head.
func scaledAttention(c Config, q, k, v, bias *Node) *Node {
	dims := q.Shape().Dimensions
	b, s := dims[0], dims[1]
	group := c.NumHeads / c.NumKVHeads
	q5 := Reshape(q, b, s, c.NumKVHeads, group, c.HeadDim)
	// scores [batch, kvHeads, seq, group, keys]
	scores := llamagraph.Product(q5, []int{4}, []int{0, 2}, k, []int{3}, []int{0, 2})
	scores = Add(MulScalar(scores, 1/math.Sqrt(float64(c.HeadDim))), bias)
	probs := Softmax(scores, -1)
	// out [batch, kvHeads, seq, group, headDim]
	out := llamagraph.Product(probs, []int{4}, []int{0, 1}, v, []int{1}, []int{0, 2})
	out = TransposeAllAxes(out, 0, 2, 1, 3, 4)
	return Reshape(out, b, s, c.NumHeads*c.HeadDim)
}
