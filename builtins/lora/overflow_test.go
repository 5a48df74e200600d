package lora

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestOverflow checks Config.Overflow on texts of which some are longer
// than CutoffLen: "truncate" keeps them cut, "drop" leaves them out and
// names them in the plan's notes; an example with no trained token within
// the cutoff is refused, named, unless "drop" drops it first.
func TestOverflow(t *testing.T) {
	m := tinyModel(t)
	long := strings.Repeat("stone river light ", 40) // Far beyond 64 tokens; texts are about 60.
	in := []string{texts[0], long, texts[1], long + "### Response:\nA stone.", texts[2]}
	plan := func(overflow, after string) (*plan, error) {
		cfg := baseConfig(t.TempDir())
		cfg.CutoffLen, cfg.Overflow, cfg.TrainOnlyAfter = 64, overflow, after
		cfg, err := cfg.withDefaults()
		if err != nil {
			return nil, err
		}
		return makePlan(context.Background(), m, FromTexts(in), cfg)
	}
	p, err := plan("", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.examples) != len(in) {
		t.Errorf("truncate: %d examples, want all %d", len(p.examples), len(in))
	}
	if note := strings.Join(p.notes, "\n"); !strings.Contains(note, `Overflow "truncate" (the default): 2 of 5 examples are longer than CutoffLen 64 and cut at it: example 1, example 3`) {
		t.Errorf("truncate: notes %q: want the cut examples named", note)
	}
	for _, e := range p.examples {
		if len(e.IDs) > 64 {
			t.Errorf("truncate: an example of %d tokens, over the cutoff 64", len(e.IDs))
		}
	}
	p, err = plan("drop", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.examples) != 3 {
		t.Errorf("drop: %d examples, want the 3 that fit", len(p.examples))
	}
	if note := strings.Join(p.notes, "\n"); !strings.Contains(note, `Overflow "drop": 2 of 5 examples are longer than CutoffLen 64 and left out: example 1, example 3`) {
		t.Errorf("drop: notes %q: want the dropped examples named", note)
	}
	// With the response marker past the cutoff, example 3 has nothing to
	// train within it (and the plain long one, without the marker, is
	// trained whole): truncate refuses, naming it.
	_, err = plan("truncate", "### Response:\n")
	if err == nil || !strings.Contains(err.Error(), "1 of 5 examples have no trained token within CutoffLen 64") || !strings.Contains(err.Error(), ": example 3") || !strings.Contains(err.Error(), `Overflow: "drop"`) {
		t.Errorf("truncate with the answer cut off: error %v, want example 3 named and the ways out", err)
	}
	if _, err := plan("drop", "### Response:\n"); err != nil {
		t.Errorf("drop with the answer cut off: %v, want it dropped", err)
	}
	if _, err := plan("cut", ""); err == nil || !strings.Contains(err.Error(), `Overflow "cut"`) {
		t.Errorf("Overflow \"cut\": error %v", err)
	}
}

// TestPack checks the packing of examples: every example once, in one
// contiguous segment of its row, rows within the cutoff, fewer rows than
// examples, the same packing every time.
func TestPack(t *testing.T) {
	var examples []Example
	for i := range 40 {
		n := 3 + (i*37)%29
		e := Example{IDs: make([]int, n), Mask: make([]bool, n)}
		for j := range n {
			e.IDs[j] = 1000*i + j // Which example and where, for the check.
			e.Mask[j] = j > 0
		}
		examples = append(examples, e)
	}
	rows := pack(examples, 64)
	if again := pack(examples, 64); fmt.Sprint(again) != fmt.Sprint(rows) {
		t.Fatal("packing the same examples twice gave two packings")
	}
	if len(rows) >= len(examples)/2 {
		t.Errorf("%d rows for %d examples of 3–31 tokens in rows of 64: want under half", len(rows), len(examples))
	}
	seen := map[int]bool{}
	for r, row := range rows {
		if len(row.IDs) > 64 || len(row.Segments) != len(row.IDs) || len(row.Mask) != len(row.IDs) {
			t.Fatalf("row %d: %d ids, %d segments, %d mask values (cutoff 64)", r, len(row.IDs), len(row.Segments), len(row.Mask))
		}
		for t0 := 0; t0 < len(row.IDs); {
			seg, ex := row.Segments[t0], row.IDs[t0]/1000
			t1 := t0
			for t1 < len(row.IDs) && row.Segments[t1] == seg {
				if row.IDs[t1] != 1000*ex+t1-t0 || row.Mask[t1] != (t1 > t0) {
					t.Fatalf("row %d position %d: id %d mask %v, want example %d's token %d", r, t1, row.IDs[t1], row.Mask[t1], ex, t1-t0)
				}
				t1++
			}
			if seen[ex] || t1-t0 != len(examples[ex].IDs) {
				t.Fatalf("row %d: example %d packed twice or cut (%d of %d tokens)", r, ex, t1-t0, len(examples[ex].IDs))
			}
			if t0 > 0 && seg != row.Segments[t0-1]+1 {
				t.Fatalf("row %d: segment %d follows %d", r, seg, row.Segments[t0-1])
			}
			seen[ex] = true
			t0 = t1
		}
	}
	if len(seen) != len(examples) {
		t.Errorf("%d of %d examples packed", len(seen), len(examples))
	}
}

// TestPackingKeepsTheLoss trains one step on twelve examples of different
// lengths, packed and unpacked, all in the step's one batch: the step's loss
// (the mean over every scored token) must be the same, since packed
// examples neither see each other nor predict each other's tokens; and the
// packed run has fewer rows.
func TestPackingKeepsTheLoss(t *testing.T) {
	m := tinyModel(t)
	var in []string
	for i := range 12 {
		in = append(in, texts[i][:20+(i*13)%40])
	}
	first := func(packing bool) (float64, *Run) {
		cfg := baseConfig(t.TempDir())
		cfg.Epochs, cfg.Batch, cfg.MicroBatch, cfg.NoDropout, cfg.NoWarmup, cfg.CutoffLen, cfg.Packing = 1, 12, 12, true, true, 64, packing
		run, err := Train(context.Background(), m, FromTexts(in), cfg)
		if err != nil {
			t.Fatal(err)
		}
		return run.Log.Entries[0].Loss, run
	}
	plain, _ := first(false)
	packed, run := first(true)
	t.Logf("first-step loss unpacked %.7f, packed %.7f", plain, packed)
	if d := math.Abs(plain-packed) / plain; d > 1e-5 {
		t.Errorf("packing changed the loss by %.2g (relative): %.7f unpacked, %.7f packed", d, plain, packed)
	}
	if run.Log.Entries[0].Tokens >= 12*64 {
		t.Errorf("packed step of %d tokens", run.Log.Entries[0].Tokens)
	}
}
