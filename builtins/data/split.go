package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Split divides the rows at random into a training part and an evaluation
// part holding about evalFraction of them, the same way for the same seed:
//
//  1. The evaluation part has e = round(evalFraction × n) of the n rows,
//     but at least 1 when evalFraction > 0 and at most n − 1, so that
//     neither part is empty when there are two rows or more.
//  2. The indices 0 … n−1 are shuffled by Fisher–Yates with a PCG generator
//     (math/rand/v2's NewPCG(uint64(seed), 0)): for i from n−1 down to 1,
//     j = Uint64() mod (i+1), and the indices at i and j swap places.
//  3. The first e shuffled indices are the evaluation rows, the rest the
//     training rows. Each part keeps the rows in the dataset's order.
//
// evalFraction must be in [0, 1); 0 gives an empty evaluation part.
func (ds *Dataset) Split(evalFraction float64, seed int64) (train, eval *Dataset, err error) {
	if !(evalFraction >= 0 && evalFraction < 1) {
		return nil, nil, fmt.Errorf("data: split %s: eval fraction %v is not in [0, 1): give the share of rows to hold out, such as 0.1", ds.describe(), evalFraction)
	}
	n := len(ds.rows)
	e := int(math.Round(evalFraction * float64(n)))
	if evalFraction > 0 {
		e = max(e, 1)
	}
	e = max(min(e, n-1), 0)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	for i := n - 1; i >= 1; i-- {
		j := int(rng.Uint64() % uint64(i+1))
		idx[i], idx[j] = idx[j], idx[i]
	}
	return ds.subset(ds.part("train"), idx[e:]), ds.subset(ds.part("eval"), idx[:e]), nil
}

// part names a part of the dataset made by Split.
func (ds *Dataset) part(which string) string {
	if ds.name == "" {
		return "(" + which + ")"
	}
	return ds.name + " (" + which + ")"
}
