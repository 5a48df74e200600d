package data

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// numbered returns a dataset of n rows {"n": i}.
func numbered(t *testing.T, n int) *Dataset {
	t.Helper()
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"n": i}
	}
	ds, err := FromRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// numbers returns the "n" of every row.
func numbers(ds *Dataset) []int {
	var ns []int
	for i := range ds.Len() {
		ns = append(ns, int(ds.Row(i)["n"].(float64)))
	}
	return ns
}

func TestSplit(t *testing.T) {
	ds := numbered(t, 100)
	train, eval, err := ds.Split(0.1, 42)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 90 || eval.Len() != 10 {
		t.Fatalf("sizes %d/%d, want 90/10", train.Len(), eval.Len())
	}
	tr, ev := numbers(train), numbers(eval)
	if !slices.IsSorted(tr) || !slices.IsSorted(ev) {
		t.Error("a part does not keep the dataset's order")
	}
	all := slices.Sorted(slices.Values(append(slices.Clone(tr), ev...)))
	for i, n := range all {
		if n != i {
			t.Fatalf("the parts are not a partition of the rows: %v", all)
		}
	}
	if slices.Equal(ev, numbers(ds.Head(10))) {
		t.Error("the eval part is the first rows: not shuffled")
	}

	_, again, _ := ds.Split(0.1, 42)
	if !slices.Equal(numbers(again), ev) {
		t.Error("the same seed gave another split")
	}
	_, other, _ := ds.Split(0.1, 43)
	if slices.Equal(numbers(other), ev) {
		t.Error("seeds 42 and 43 gave the same split")
	}
	if !strings.HasSuffix(eval.Name(), "(eval)") || !strings.HasSuffix(train.Name(), "(train)") {
		t.Errorf("names %q, %q", train.Name(), eval.Name())
	}
}

func TestSplitSizes(t *testing.T) {
	for _, tc := range []struct {
		n          int
		frac       float64
		wantEval   int
		wantTrainN int
	}{
		{0, 0.1, 0, 0},
		{1, 0.5, 0, 1},
		{2, 0.01, 1, 1},  // at least one eval row
		{10, 0.99, 9, 1}, // at least one train row
		{10, 0, 0, 10},
		{7, 0.5, 4, 3}, // round(3.5) = 4
	} {
		t.Run(fmt.Sprintf("%d×%v", tc.n, tc.frac), func(t *testing.T) {
			train, eval, err := numbered(t, tc.n).Split(tc.frac, 1)
			if err != nil {
				t.Fatal(err)
			}
			if eval.Len() != tc.wantEval || train.Len() != tc.wantTrainN {
				t.Errorf("sizes %d/%d, want %d/%d", train.Len(), eval.Len(), tc.wantTrainN, tc.wantEval)
			}
		})
	}
	for _, frac := range []float64{-0.1, 1, 1.5} {
		if _, _, err := numbered(t, 5).Split(frac, 1); err == nil || !strings.Contains(err.Error(), "not in [0, 1)") {
			t.Errorf("Split(%v): err = %v", frac, err)
		}
	}
}

// TestSplitSpread: over many seeds every row lands in the eval part about
// equally often, as a uniform shuffle makes it.
func TestSplitSpread(t *testing.T) {
	ds := numbered(t, 10)
	counts := make([]int, 10)
	const seeds = 2000
	for seed := range int64(seeds) {
		_, eval, err := ds.Split(0.3, seed)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range numbers(eval) {
			counts[n]++
		}
	}
	// Each row is expected 600 times (sd ≈ 20.5); 6 sd either side.
	for n, c := range counts {
		if c < 477 || c > 723 {
			t.Errorf("row %d is in eval %d times of %d, want about 600: %v", n, c, seeds, counts)
		}
	}
}
