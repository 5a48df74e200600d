package llamagraph

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// randomTensor returns a tensor of the given shape with values in [-1, 1).
func randomTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = 2*rng.Float32() - 1
	}
	return tensors.FromFlatDataAndDimensions(data, dims...)
}

// goBackend returns a Go backend as package llama configures it:
// parallelism=-1, since the default pool of workers deadlocks on two cores.
func goBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := gobackend.New("parallelism=-1")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stockProduct is DotGeneral with the stock gradient, its operands first
// transposed to [batch…, contracting…, free…]: GoMLX v0.28.2's stock
// gradient of a DotGeneral whose contracting axes are not in increasing order
// on both sides (lhs [1 2] with rhs [2 0]) has the wrong shape and panics.
func stockProduct(l *Node, lc, lb []int, r *Node, rc, rb []int) *Node {
	canon := func(x *Node, c, b []int) *Node {
		perm := append(append(slices.Clone(b), c...), freeAxes(x.Rank(), c, b)...)
		return TransposeAllAxes(x, perm...)
	}
	nb, nc := len(lb), len(lc)
	return DotGeneral(canon(l, lc, lb), iotaFrom(nb, nc), iotaFrom(0, nb), canon(r, rc, rb), iotaFrom(nb, nc), iotaFrom(0, nb))
}

// TestProductGradient checks Product's gradient against GoMLX's stock
// DotGeneral gradient (see stockProduct), for the products the model uses and for axes in
// unusual orders, and checks that it never builds a node larger than the
// operands and the output.
func TestProductGradient(t *testing.T) {
	backend := goBackend(t)
	cases := []struct {
		name           string
		lhs, rhs       []int
		lc, lb, rc, rb []int
	}{
		{"linear", []int{2, 3, 5}, []int{4, 5}, []int{2}, nil, []int{1}, nil},
		{"scores", []int{2, 3, 2, 2, 4}, []int{2, 5, 2, 4}, []int{4}, []int{0, 2}, []int{3}, []int{0, 2}},
		{"context", []int{2, 2, 3, 2, 5}, []int{2, 5, 2, 4}, []int{4}, []int{0, 1}, []int{1}, []int{0, 2}},
		{"axes out of order", []int{3, 4, 2}, []int{2, 5, 3}, []int{0}, []int{2}, []int{2}, []int{0}},
		{"two contractions crossed", []int{2, 3, 4}, []int{4, 5, 3}, []int{1, 2}, nil, []int{2, 0}, nil},
		{"outer", []int{3}, []int{4}, nil, nil, nil, nil},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		lhs, rhs := randomTensor(rng, c.lhs...), randomTensor(rng, c.rhs...)
		var limit int
		grads := func(product bool) []*tensors.Tensor {
			e := MustNewExec(backend, func(l, r *Node) []*Node {
				var out *Node
				if product {
					out = Product(l, c.lc, c.lb, r, c.rc, c.rb)
				} else {
					out = stockProduct(l, c.lc, c.lb, r, c.rc, c.rb)
				}
				// A loss that weighs every output element differently.
				weights := Iota(l.Graph(), out.Shape(), -1)
				loss := ReduceAllSum(Mul(out, Cos(weights)))
				first := len(l.Graph().Nodes())
				gs := Gradient(loss, l, r)
				if product {
					limit = max(l.Shape().Size(), r.Shape().Size(), out.Shape().Size())
					for _, n := range l.Graph().Nodes()[first:] {
						if n.Shape().Size() > limit {
							t.Errorf("%s: the gradient builds %s, larger than operands and output", c.name, n.Shape())
						}
					}
				}
				return gs
			})
			return e.MustExec(lhs, rhs)
		}
		want, got := grads(false), grads(true)
		for i := range want {
			w, g := tensors.MustCopyFlatData[float32](want[i]), tensors.MustCopyFlatData[float32](got[i])
			for j := range w {
				if math.Abs(float64(w[j]-g[j])) > 1e-5 {
					t.Errorf("%s: gradient %d [%d] = %v, stock gradient %v", c.name, i, j, g[j], w[j])
					break
				}
			}
		}
	}
}

// TestProductsOf checks that ProductsOf finds the products an output needs,
// with their shapes and FLOPs, and leaves out a gradient no output needs.
func TestProductsOf(t *testing.T) {
	backend := goBackend(t)
	var found []ProductShape
	e := MustNewExec(backend, func(x, w *Node) []*Node {
		y := Product(x, []int{2}, nil, w, []int{1}, nil) // [2,3,5]·[4,5]ᵀ → [2,3,4]
		loss := ReduceAllSum(Mul(y, y))
		dx := Gradient(loss, x, w)[0] // The gradient of w is built, but no output needs it.
		found = ProductsOf(loss, dx)
		return []*Node{loss, dx}
	})
	rng := rand.New(rand.NewPCG(7, 8))
	e.MustExec(randomTensor(rng, 2, 3, 5), randomTensor(rng, 4, 5))
	if len(found) != 2 {
		t.Fatalf("found %d products, want the forward one and the input's gradient: %+v", len(found), found)
	}
	// On the Go backend the small product's weight is transposed to [5, 4]
	// first (see needsGoLayout): ProductsOf lists what the kernel gets.
	if f := found[0]; f.LHS.String() != "(Float32)[2, 3, 5]" || f.RHS.String() != "(Float32)[5, 4]" || !slices.Equal(f.RHSContracting, []int{0}) || f.FLOPs() != 2*2*3*5*4 {
		t.Errorf("forward product %+v, %v FLOPs", f, f.FLOPs())
	}
	if f := found[1]; f.FLOPs() != 2*2*3*4*5 {
		t.Errorf("gradient product %+v, %v FLOPs", f, f.FLOPs())
	}
}
