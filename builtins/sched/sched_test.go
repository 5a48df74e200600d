package sched

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// reference is testdata/reference.json, written by testdata/reference.py
// from transformers' get_scheduler and a torch optimizer.
type reference struct {
	Transformers string `json:"transformers"`
	Cases        []struct {
		Name    string             `json:"name"`
		LR      float64            `json:"lr"`
		Warmup  int                `json:"warmup"`
		Total   int                `json:"total"`
		Options map[string]float64 `json:"options"`
		LRs     []*float64         `json:"lrs"`
		Spec    map[string]float64 `json:"spec"`
	} `json:"cases"`
}

func loadReference(t *testing.T) reference {
	t.Helper()
	raw, err := os.ReadFile("testdata/reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref reference
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatalf("testdata/reference.json: %v", err)
	}
	if len(ref.Cases) == 0 {
		t.Fatal("testdata/reference.json has no cases")
	}
	return ref
}

func optionsOf(m map[string]float64) []Option {
	var opts []Option
	for name, v := range m {
		switch name {
		case "cycles":
			opts = append(opts, Cycles(v))
		case "power":
			opts = append(opts, Power(v))
		case "lr_end":
			opts = append(opts, LREnd(v))
		case "timescale":
			opts = append(opts, Timescale(int(v)))
		}
	}
	return opts
}

func TestMatchesTransformers(t *testing.T) {
	ref := loadReference(t)
	covered := map[string]bool{}
	for _, c := range ref.Cases {
		name := fmt.Sprintf("%s/w%d/t%d/%v", c.Name, c.Warmup, c.Total, c.Options)
		s, err := New(c.Name, c.LR, c.Warmup, c.Total, optionsOf(c.Options)...)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		covered[c.Name] = true
		for step, want := range c.LRs {
			w := 0.0
			switch {
			case want != nil:
				w = *want
			case c.Spec != nil:
				// transformers divides by zero here; DESIGN.md's formula holds.
				spec, ok := c.Spec[strconv.Itoa(step)]
				if !ok {
					t.Fatalf("%s: step %d has neither a value nor a spec", name, step)
				}
				w = spec
			}
			if got := s.At(step); math.Abs(got-w) > 1e-9*math.Abs(w)+1e-18 {
				t.Errorf("%s: At(%d) = %.17g, transformers %s gives %.17g", name, step, got, ref.Transformers, w)
			}
		}
	}
	for _, n := range Names() {
		if !covered[n] {
			t.Errorf("schedule %s has no reference case", n)
		}
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct {
		name          string
		lr            float64
		warmup, total int
		opts          []Option
		want          string
	}{
		{"cosine_annealing", 1e-3, 0, 10, nil, "known: linear, cosine, cosine_with_restarts"},
		{"linear", 0, 0, 10, nil, "learning rate 0 must be a positive number"},
		{"linear", math.NaN(), 0, 10, nil, "must be a positive number"},
		{"linear", 1e-3, -1, 10, nil, "warmup -1"},
		{"linear", 1e-3, 0, 0, nil, "total 0 must be at least 1 step"},
		{"linear", 1e-3, 0, 10, []Option{Power(2)}, "option power does not apply: this schedule takes no options"},
		{"cosine", 1e-3, 0, 10, []Option{LREnd(0)}, "option lr_end does not apply (this schedule takes cycles)"},
		{"cosine", 1e-3, 0, 10, []Option{Cycles(0)}, "cycles 0 must be positive"},
		{"polynomial", 1e-3, 0, 10, []Option{Power(-1)}, "power -1 must be positive"},
		{"polynomial", 1e-3, 0, 10, []Option{LREnd(1e-3)}, "lr_end 0.001 must be below the learning rate 0.001"},
		{"polynomial", 1e-7, 0, 10, nil, "lr_end 1e-07 must be below"},
		{"inverse_sqrt", 1e-3, 0, 10, []Option{Timescale(0)}, "timescale 0 must be at least 1 step"},
		{"constant", 1e-3, 0, 10, []Option{{}}, "empty option"},
	} {
		_, err := New(tc.name, tc.lr, tc.warmup, tc.total, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%q, %v, %d, %d, %v) error %v, want one containing %q", tc.name, tc.lr, tc.warmup, tc.total, tc.opts, err, tc.want)
		}
	}
}

func TestNameIsForgiving(t *testing.T) {
	s, err := New(" Cosine ", 1e-3, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "cosine" || s.LR() != 1e-3 || s.Warmup() != 1 || s.Total() != 10 {
		t.Errorf("got %v", s)
	}
	if s.At(-5) != s.At(0) {
		t.Errorf("a negative step must count as step 0")
	}
}

func TestString(t *testing.T) {
	s, err := New("inverse_sqrt", 3e-4, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "inverse_sqrt schedule: lr 0.0003, warmup 0, total 10, timescale 10000"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCurve(t *testing.T) {
	s, err := New("linear", 1, 3, 10)
	if err != nil {
		t.Fatal(err)
	}
	steps, lrs := s.Curve(100)
	if len(steps) != 11 || steps[10] != 10 || lrs[3] != 1 || lrs[10] != 0 {
		t.Errorf("short run: steps %v lrs %v, want every step 0..10", steps, lrs)
	}
	s, err = New("cosine", 1, 333, 100000)
	if err != nil {
		t.Fatal(err)
	}
	steps, lrs = s.Curve(50)
	if len(steps) > 52 || steps[0] != 0 || steps[len(steps)-1] != 100000 {
		t.Errorf("long run: %d steps from %v to %v", len(steps), steps[0], steps[len(steps)-1])
	}
	found := 0
	for i, st := range steps {
		if st == 332 || st == 333 {
			found++
			if lrs[i] != s.At(int(st)) {
				t.Errorf("Curve at %v = %v, At = %v", st, lrs[i], s.At(int(st)))
			}
		}
		if i > 0 && st <= steps[i-1] {
			t.Fatalf("steps not increasing at %d: %v", i, steps)
		}
	}
	if found != 2 {
		t.Errorf("the warmup corner (steps 332, 333) is not sampled: %v", steps)
	}
}

func TestRender(t *testing.T) {
	s, err := New("linear", 1e-3, 2, 8)
	if err != nil {
		t.Fatal(err)
	}
	b := s.Render()
	if _, ok := b.Binary("image/png"); !ok {
		t.Errorf("Render has no PNG: %v", b.Data)
	}
	want := "linear schedule: lr 0.001, warmup 2, total 8\nlr at step 0: 0, 2: 0.001, 4: 0.0006667, 6: 0.0003333, 8: 0"
	if b.Text() != want {
		t.Errorf("text form:\n%s\nwant:\n%s", b.Text(), want)
	}
}
