package llamagraph

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
)

// GoMLX's stock gradients of Dot and DotGeneral multiply broadcast operands
// and then reduce: for y = x·Wᵀ they materialise a batch×M×N×K tensor (37.7
// GB for a 32000-word LM head at sequence 256, batch 4). This file gives both
// node types gradients made of products, dX = dY·W and dW = dYᵀ·X, built
// with DotGeneral itself, so that backward costs what forward costs.
//
// Dot has no parameters hidden from the node (its operands' ranks say what
// it does), so its entry in graph.VJPRegistration is replaced outright.
// DotGeneral keeps its contracting and batch axes in unexported fields; Product
// records them in the node's alias (a public, per-graph name), and the
// replacement VJP reads them back from there. A DotGeneral built anywhere else
// carries no such alias and keeps GoMLX's stock gradient.

// productAliasPrefix starts the alias of every node that Product builds.
const productAliasPrefix = "/golora-product/"

func init() {
	stock := VJPRegistration[NodeTypeDotGeneral]
	VJPRegistration[NodeTypeDotGeneral] = func(node *Node, vjps []*Node, outputShape shapes.Shape) []*Node {
		if axes, ok := productAxesOf(node); ok {
			return productVJP(node, vjps[0], axes)
		}
		return stock(node, vjps, outputShape)
	}
}

// productAxes are the contracting (c) and batch (b) axes of both operands of
// a DotGeneral.
type productAxes struct {
	lc, lb, rc, rb []int
}

// Product is graph.DotGeneral (contract lhsContracting of lhs with
// rhsContracting of rhs, batch over the batch axes; the result's axes are
// batch, then lhs's free axes, then rhs's) whose gradient is made of products.
// Use it for every matrix product on a path that is differentiated.
func Product(lhs *Node, lhsContracting, lhsBatch []int, rhs *Node, rhsContracting, rhsBatch []int) *Node {
	axes := productAxes{
		lc: normAxes(lhs, lhsContracting), lb: normAxes(lhs, lhsBatch),
		rc: normAxes(rhs, rhsContracting), rb: normAxes(rhs, rhsBatch),
	}
	if isGoBackend(lhs.Graph()) && needsGoLayout(lhs, rhs, axes) {
		lhs, rhs, axes = goLayout(lhs, rhs, axes)
	}
	out := DotGeneral(lhs, axes.lc, axes.lb, rhs, axes.rc, axes.rb)
	return out.WithAlias(fmt.Sprintf("%s%d/%s/%s/%s/%s", productAliasPrefix, out.Id(),
		joinInts(axes.lc), joinInts(axes.lb), joinInts(axes.rc), joinInts(axes.rb)))
}

// goSmallProduct is compute/gobackend's threshold (m·n·k per batch
// example) below which it takes its "small" matrix kernels.
const goSmallProduct = 4 << 20

// needsGoLayout reports whether the Go backend would run the product on
// its slow path: compute v0.1.2 moves operands whose batch axes do not come
// first into the layout lhs [batch, m, k], rhs [batch, n, k] ("transposed"),
// and its small kernels in that layout are 4–8 times slower than in the
// layout lhs [batch, m, k], rhs [batch, k, n]: attention's scores
// [4,256,6,48]·[4,256,6,48] with batch axes (0, 2) took 178 ms, 21 ms with
// the operands transposed here first, and the gradient of its keys
// [4,6,256,1,48]·[4,6,256,1,256] contracting axes (2, 3) 40.6 ms against 9.2
// (AVX2, 2 cores). So a small product is moved to that layout unless it is
// in it already. Large products run as fast in either layout, and a linear
// module's weight is not copied for nothing.
func needsGoLayout(lhs, rhs *Node, a productAxes) bool {
	leading := func(batch []int) bool {
		for i, b := range batch {
			if b != i {
				return false
			}
		}
		return true
	}
	if !leading(a.lb) || !leading(a.rb) {
		return true
	}
	size := func(x *Node, axes []int) int {
		n := 1
		for _, ax := range axes {
			n *= x.Shape().Dimensions[ax]
		}
		return n
	}
	lf, rf := freeAxes(lhs.Rank(), a.lc, a.lb), freeAxes(rhs.Rank(), a.rc, a.rb)
	m, n, k := size(lhs, lf), size(rhs, rf), size(lhs, a.lc)
	if m*n*k >= goSmallProduct || n == 1 {
		return false
	}
	inOrder := func(parts ...[]int) bool {
		i := 0
		for _, axes := range parts {
			for _, ax := range axes {
				if ax != i {
					return false
				}
				i++
			}
		}
		return true
	}
	return !inOrder(a.lb, lf, a.lc) || !inOrder(a.rb, a.rc, rf)
}

// goLayout transposes the operands of a product to lhs [batch…, free…,
// contracting…] and rhs [batch…, contracting…, free…], the Go backend's
// fast layout, and returns the axes of the same product on them. The
// result's axes (batch, lhs free, rhs free) are unchanged.
func goLayout(lhs, rhs *Node, a productAxes) (*Node, *Node, productAxes) {
	lf, rf := freeAxes(lhs.Rank(), a.lc, a.lb), freeAxes(rhs.Rank(), a.rc, a.rb)
	nb, nc := len(a.lb), len(a.lc)
	lperm := append(append(slices.Clone(a.lb), lf...), a.lc...)
	rperm := append(append(slices.Clone(a.rb), a.rc...), rf...)
	out := productAxes{lb: iotaFrom(0, nb), lc: iotaFrom(nb+len(lf), nc), rb: iotaFrom(0, nb), rc: iotaFrom(nb, nc)}
	return transposeIfNeeded(lhs, lperm), transposeIfNeeded(rhs, rperm), out
}

func transposeIfNeeded(x *Node, perm []int) *Node {
	for i, p := range perm {
		if i != p {
			return TransposeAllAxes(x, perm...)
		}
	}
	return x
}

// normAxes turns negative axes into positive ones.
func normAxes(x *Node, axes []int) []int {
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = MustAdjustAxis(a, x)
	}
	return out
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ",")
}

// productAxesOf reads back the axes that Product wrote in node's alias.
func productAxesOf(node *Node) (productAxes, bool) {
	rest, ok := strings.CutPrefix(node.GetAlias(), productAliasPrefix)
	if !ok {
		return productAxes{}, false
	}
	fields := strings.Split(rest, "/")
	if len(fields) != 5 {
		return productAxes{}, false
	}
	var lists [4][]int
	for i, f := range fields[1:] {
		if f == "" {
			continue
		}
		for _, s := range strings.Split(f, ",") {
			n, err := strconv.Atoi(s)
			if err != nil {
				return productAxes{}, false
			}
			lists[i] = append(lists[i], n)
		}
	}
	return productAxes{lc: lists[0], lb: lists[1], rc: lists[2], rb: lists[3]}, true
}

// freeAxes returns the axes of a rank-r operand that are neither contracted
// nor batch, in increasing order.
func freeAxes(rank int, contracting, batch []int) []int {
	var free []int
	for a := range rank {
		if !slices.Contains(contracting, a) && !slices.Contains(batch, a) {
			free = append(free, a)
		}
	}
	return free
}

// productVJP returns the gradients of y = Product(lhs, rhs) given v = dL/dy.
// The output's axes are [batch…, lhs free…, rhs free…]; the gradient of each
// operand contracts v with the other operand over the other's free axes and
// puts the axes back in the operand's order.
func productVJP(node, v *Node, axes productAxes) []*Node {
	lhs, rhs := node.Inputs()[0], node.Inputs()[1]
	lf := freeAxes(lhs.Rank(), axes.lc, axes.lb)
	rf := freeAxes(rhs.Rank(), axes.rc, axes.rb)
	nb := len(axes.lb)
	vBatch := iotaFrom(0, nb)
	vLhsFree := iotaFrom(nb, len(lf))
	vRhsFree := iotaFrom(nb+len(lf), len(rf))
	return []*Node{
		operandGrad(Product(v, vRhsFree, vBatch, rhs, rf, axes.rb), lhs.Rank(), axes.lb, lf, axes.lc, axes.rc),
		operandGrad(Product(v, vLhsFree, vBatch, lhs, lf, axes.lb), rhs.Rank(), axes.rb, rf, axes.rc, axes.lc),
	}
}

// operandGrad transposes g, a product whose axes are [batch…, this operand's
// free axes…, the other operand's contracting axes in increasing order…], to
// the axes of the operand: batch axes at thisBatch, free axes at thisFree,
// and the other operand's contracting axis otherContracting[i] at
// thisContracting[i].
func operandGrad(g *Node, rank int, thisBatch, thisFree, thisContracting, otherContracting []int) *Node {
	perm := make([]int, rank) // perm[axis of the operand] = axis of g.
	for i, a := range thisBatch {
		perm[a] = i
	}
	for i, a := range thisFree {
		perm[a] = len(thisBatch) + i
	}
	sorted := slices.Sorted(slices.Values(otherContracting))
	for i, a := range thisContracting {
		perm[a] = len(thisBatch) + len(thisFree) + slices.Index(sorted, otherContracting[i])
	}
	for i, p := range perm {
		if i != p {
			return TransposeAllAxes(g, perm...)
		}
	}
	return g
}

// isGoBackend reports whether g is built for GoMLX's pure-Go backend.
func isGoBackend(g *Graph) bool { return g.Backend().String() == gobackend.BackendName }

func iotaFrom(start, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = start + i
	}
	return out
}

// ProductShape is one matrix product of a graph: its operands' shapes and
// its contracting and batch axes, as Product takes them.
type ProductShape struct {
	LHS, RHS                 shapes.Shape
	LHSContracting, LHSBatch []int
	RHSContracting, RHSBatch []int
}

// FLOPs returns the product's floating-point operations: two per
// multiply-add.
func (p ProductShape) FLOPs() float64 {
	n := 2.0
	for _, d := range p.LHS.Dimensions {
		n *= float64(d)
	}
	for a, d := range p.RHS.Dimensions {
		if !slices.Contains(p.RHSContracting, a) && !slices.Contains(p.RHSBatch, a) {
			n *= float64(d)
		}
	}
	return n
}

// Build builds the product on operands lhs and rhs of the recorded shapes.
func (p ProductShape) Build(lhs, rhs *Node) *Node {
	return Product(lhs, p.LHSContracting, p.LHSBatch, rhs, p.RHSContracting, p.RHSBatch)
}

// ProductsOf returns every product made with Product (those of the forward
// pass and those of their gradients) that outputs depend on, in the order of
// the graph. Products built but not needed by outputs (the gradient of a
// frozen weight) are left out: no backend computes them.
func ProductsOf(outputs ...*Node) []ProductShape {
	seen := map[*Node]bool{}
	var needed []*Node
	var visit func(n *Node)
	visit = func(n *Node) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, in := range n.Inputs() {
			visit(in)
		}
		needed = append(needed, n)
	}
	for _, o := range outputs {
		visit(o)
	}
	var out []ProductShape
	for _, n := range needed {
		axes, ok := productAxesOf(n)
		if !ok {
			continue
		}
		in := n.Inputs()
		out = append(out, ProductShape{LHS: in[0].Shape(), RHS: in[1].Shape(),
			LHSContracting: axes.lc, LHSBatch: axes.lb, RHSContracting: axes.rc, RHSBatch: axes.rb})
	}
	return out
}
