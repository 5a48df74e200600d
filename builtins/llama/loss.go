package llama

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// The LM head and the cross entropy are one unit for training: headLoss
// computes the loss from the hidden states and the head's weight, and gives
// their gradients directly, without the gradient of the logits.
//
// The logits of a stories15M micro-batch hold 32.8 million values. Left to
// automatic differentiation, the loss's backward pass broadcasts the upstream
// gradient to their shape, multiplies it by the exponentials, fills a tensor
// of zeros, scatters the targets' terms into it and adds the two: five
// passes over 131 MB, each one a single-threaded op on gobackend. The
// gradient of the loss with respect to the logits is (softmax − onehot)·w,
// so with respect to the hidden states h it is (w/z)·(e·W) − w·W[target]
// (e the exponentials, z their row sums) and with respect to W it is
// eᵀ·((w/z)·h) − scatter(w·h at the targets): products the step makes
// anyway, with the scaling done on the small side.
//
// The forward pass runs in chunks of rows, each with its own product,
// maximum, exponentials and sum, so that simplego, which runs each
// element-wise op on one core, runs the chunks' ops side by side.
//
// GoMLX's IdentityWithCustomGradient sees the upstream gradient only through
// its argument's adjoint. The loss is computed from stopped values, and a
// carrier term ReduceAllSum(hc) − StopGradient(ReduceAllSum(hc)), exactly
// zero, is added to it: hc = h with the custom gradient, whose adjoint is
// then the upstream gradient broadcast to h's shape.

// headLoss returns the weighted sum of the negative log-likelihoods of the
// targets [batch, seq] under the logits h·wᵀ (h [batch, seq, hidden], w
// [vocab, hidden]) and the sum of the weights [batch, seq]. The gradient
// reaches w only when wantW is set (the head is trained). The products run
// in dtype dt.
func headLoss(h, w *Node, wantW bool, targets, weights *Node, chunks int, dt dtypes.DType) (sum, count *Node) {
	g := h.Graph()
	dims := h.Shape().Dimensions
	b, s, d := dims[0], dims[1], dims[2]
	n := b * s
	// Stop the gradient after slicing: GoMLX differentiates every node on
	// a path from the loss, up to a StopGradient, and the gradients of h and
	// w are given below as one unit, so autodiff must not also go through
	// the logits. (On GoMLX v0.26 Slice's gradient also needed Pad, which
	// the Go backend lacked; v0.28's has it.)
	hFlat := Reshape(h, n, d)
	hs := StopGradient(hFlat)
	ws := StopGradient(w)
	tgt := Reshape(ConvertDType(targets, dtypes.Int32), n, 1)
	wt := Reshape(ConvertDType(weights, dtypes.Float32), n, 1)
	chunks = max(1, min(chunks, n))

	type chunk struct {
		h, w, z, e *Node // rows of h and of the weights; row sums and exponentials
	}
	var parts []chunk
	var logZ, picked []*Node
	for i := range chunks {
		lo, hi := i*n/chunks, (i+1)*n/chunks
		c := chunk{h: hs, w: wt}
		t := tgt
		if chunks > 1 {
			c.h, c.w = StopGradient(Slice(hFlat, AxisRange(lo, hi))), Slice(wt, AxisRange(lo, hi))
			t = Slice(tgt, AxisRange(lo, hi))
		}
		logits := productIn(dt, c.h, []int{1}, ws, []int{1}) // [rows, vocab]
		top := ReduceAndKeep(logits, ReduceMax, -1)
		c.e = Exp(Sub(logits, top))
		c.z = ReduceAndKeep(c.e, ReduceSum, -1)
		logZ = append(logZ, Add(Log(c.z), top))
		idx := Concatenate([]*Node{Iota(g, shapes.Make(dtypes.Int32, hi-lo, 1), 0), t}, -1)
		picked = append(picked, Reshape(Gather(logits, idx), hi-lo, 1))
		parts = append(parts, c)
	}
	nll := Mul(Sub(concatRows(logZ), concatRows(picked)), wt)
	sum = ReduceAllSum(nll)

	// scale is w/z of each chunk's rows.
	scale := func(c chunk) *Node { return Div(c.w, c.z) }
	hc := IdentityWithCustomGradient(h, func(_, v *Node) *Node {
		grads := make([]*Node, len(parts))
		for i, c := range parts {
			grads[i] = Mul(productIn(dt, c.e, []int{1}, ws, []int{0}), scale(c)) // [rows, hidden]
		}
		grad := Sub(concatRows(grads), Mul(ConvertDType(Gather(ws, tgt), dtypes.Float32), wt))
		return Mul(Reshape(grad, b, s, d), v)
	})
	sum = Add(sum, zeroCarrier(hc))
	if wantW {
		wc := IdentityWithCustomGradient(w, func(_, v *Node) *Node {
			var grad *Node
			for _, c := range parts {
				part := productIn(dt, c.e, []int{0}, Mul(c.h, scale(c)), []int{0}) // [vocab, hidden]
				if grad == nil {
					grad = part
				} else {
					grad = Add(grad, part)
				}
			}
			grad = Sub(grad, ScatterSum(ZerosLike(ws), tgt, Mul(hs, wt), false, false))
			return Mul(grad, v)
		})
		sum = Add(sum, zeroCarrier(wc))
	}
	return sum, ReduceAllSum(wt)
}

// zeroCarrier returns a scalar zero through which the gradient of whatever
// it is added to reaches x: x's adjoint is then that gradient, broadcast.
func zeroCarrier(x *Node) *Node {
	total := ReduceAllSum(x)
	return Sub(total, StopGradient(total))
}

// concatRows concatenates [rows, k] parts along the rows.
func concatRows(parts []*Node) *Node {
	if len(parts) == 1 {
		return parts[0]
	}
	return Concatenate(parts, 0)
}
