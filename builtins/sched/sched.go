package sched

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// A Schedule gives the learning rate at every optimizer step of a run. It is
// immutable and safe for concurrent use.
type Schedule struct {
	kind   *kind
	lr     float64
	warmup int
	total  int

	cycles    float64
	power     float64
	lrEnd     float64
	timescale int
}

// kind describes one named schedule: the options it takes and its factor, the
// multiplier of the base learning rate at a step.
type kind struct {
	name    string
	options []string
	warmup  bool // whether the factor rises linearly over the warmup steps
	decay   func(s *Schedule, step int) float64
}

// Option names as they appear in errors and in a schedule's description.
const (
	optCycles    = "cycles"
	optPower     = "power"
	optLREnd     = "lr_end"
	optTimescale = "timescale"
)

// kinds is the table of schedules, in the order Names lists them. Each decay
// follows transformers' lambda for the schedule operation for operation, so
// that the rates agree to the last bit where the library's do.
var kinds = []kind{
	{name: "linear", warmup: true, decay: linear},
	{name: "cosine", options: []string{optCycles}, warmup: true, decay: cosine},
	{name: "cosine_with_restarts", options: []string{optCycles}, warmup: true, decay: cosineWithRestarts},
	{name: "polynomial", options: []string{optPower, optLREnd}, warmup: true, decay: polynomial},
	{name: "constant", decay: constant},
	{name: "constant_with_warmup", warmup: true, decay: constant},
	{name: "inverse_sqrt", options: []string{optTimescale}, warmup: true, decay: inverseSqrt},
}

// Names returns the names New accepts.
func Names() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// An Option sets a parameter of the schedules that have one. An option that
// the named schedule does not take is an error of New.
type Option struct {
	name  string
	value float64
}

// Cycles sets the number of cosine cycles. For "cosine_with_restarts" it is
// the number of hard restarts (default 1); for "cosine" it is transformers'
// num_cycles, the number of full cosine waves (default 0.5: a single decay
// from the peak to zero).
func Cycles(n float64) Option { return Option{optCycles, n} }

// Power sets the exponent of the "polynomial" decay (default 1, a straight
// line).
func Power(p float64) Option { return Option{optPower, p} }

// LREnd sets the learning rate that "polynomial" decays to at the last step
// and keeps after it (default 1e-7). It must be below the peak learning rate.
func LREnd(lr float64) Option { return Option{optLREnd, lr} }

// Timescale sets how slowly "inverse_sqrt" decays: after warmup the rate is
// lr/sqrt((step-warmup+t)/t) for timescale t, so it halves t·3 steps after
// warmup. The default is the warmup, or 10000 steps when there is none.
func Timescale(steps int) Option { return Option{optTimescale, float64(steps)} }

// New returns the schedule called name (one of Names) that peaks at learning
// rate lr after warmup steps and plans for total optimizer steps.
func New(name string, lr float64, warmup, total int, opts ...Option) (*Schedule, error) {
	k := lookup(strings.ToLower(strings.TrimSpace(name)))
	if k == nil {
		return nil, fmt.Errorf("sched: unknown schedule %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	switch {
	case !(lr > 0) || math.IsInf(lr, 0):
		return nil, fmt.Errorf("sched: %s: learning rate %v must be a positive number", k.name, lr)
	case warmup < 0:
		return nil, fmt.Errorf("sched: %s: warmup %d must be 0 or more steps", k.name, warmup)
	case total < 1:
		return nil, fmt.Errorf("sched: %s: total %d must be at least 1 step", k.name, total)
	}
	s := &Schedule{kind: k, lr: lr, warmup: warmup, total: total, cycles: 1, power: 1, lrEnd: 1e-7}
	if k.name == "cosine" {
		s.cycles = 0.5
	}
	for _, o := range opts {
		if err := s.set(o); err != nil {
			return nil, fmt.Errorf("sched: %s: %w", k.name, err)
		}
	}
	if k.name == "polynomial" && !(s.lrEnd < lr) {
		return nil, fmt.Errorf("sched: polynomial: lr_end %v must be below the learning rate %v", s.lrEnd, lr)
	}
	return s, nil
}

func lookup(name string) *kind {
	i := slices.IndexFunc(kinds, func(k kind) bool { return k.name == name })
	if i < 0 {
		return nil
	}
	return &kinds[i]
}

// set applies one option after checking that the schedule takes it and that
// its value makes sense.
func (s *Schedule) set(o Option) error {
	if o.name == "" {
		return fmt.Errorf("empty option: use sched.Cycles, sched.Power, sched.LREnd or sched.Timescale")
	}
	taken := false
	for _, name := range s.kind.options {
		taken = taken || name == o.name
	}
	if !taken {
		if len(s.kind.options) == 0 {
			return fmt.Errorf("option %s does not apply: this schedule takes no options", o.name)
		}
		return fmt.Errorf("option %s does not apply (this schedule takes %s)", o.name, strings.Join(s.kind.options, ", "))
	}
	finite := !math.IsNaN(o.value) && !math.IsInf(o.value, 0)
	switch o.name {
	case optCycles:
		if !finite || o.value <= 0 {
			return fmt.Errorf("cycles %v must be positive", o.value)
		}
		s.cycles = o.value
	case optPower:
		if !finite || o.value <= 0 {
			return fmt.Errorf("power %v must be positive", o.value)
		}
		s.power = o.value
	case optLREnd:
		if !finite || o.value < 0 {
			return fmt.Errorf("lr_end %v must be 0 or more", o.value)
		}
		s.lrEnd = o.value
	case optTimescale:
		if o.value < 1 {
			return fmt.Errorf("timescale %v must be at least 1 step", o.value)
		}
		s.timescale = int(o.value)
	}
	return nil
}

// Name returns the schedule's name, as New accepts it.
func (s *Schedule) Name() string { return s.kind.name }

// LR returns the peak learning rate, the rate at the end of warmup.
func (s *Schedule) LR() float64 { return s.lr }

// Warmup returns the number of warmup steps.
func (s *Schedule) Warmup() int { return s.warmup }

// Total returns the number of optimizer steps the schedule plans for.
func (s *Schedule) Total() int { return s.total }

// At returns the learning rate for optimizer step `step`, counting from 0:
// the rate the optimizer applies in its step+1-th update. Steps past Total
// continue the formulas as transformers does (linear stays at 0, polynomial
// at lr_end); a negative step counts as 0.
func (s *Schedule) At(step int) float64 {
	step = max(step, 0)
	if s.kind.warmup && step < s.warmup {
		return s.lr * (float64(step) / float64(max(1, s.warmup)))
	}
	return s.lr * s.kind.decay(s, step)
}

// progress is the fraction of the post-warmup steps done at step.
func (s *Schedule) progress(step int) float64 {
	return float64(step-s.warmup) / float64(max(1, s.total-s.warmup))
}

func linear(s *Schedule, step int) float64 {
	return max(0, float64(s.total-step)/float64(max(1, s.total-s.warmup)))
}

func cosine(s *Schedule, step int) float64 {
	return max(0, 0.5*(1+math.Cos(math.Pi*s.cycles*2*s.progress(step))))
}

func cosineWithRestarts(s *Schedule, step int) float64 {
	p := s.progress(step)
	if p >= 1 {
		return 0
	}
	return max(0, 0.5*(1+math.Cos(math.Pi*math.Mod(s.cycles*p, 1))))
}

// polynomial decays from lr to lrEnd. Where warmup equals total,
// transformers divides by zero at the last step; here the decay then has
// one step, as DESIGN.md's p = (s-W)/max(1, T-W) says.
func polynomial(s *Schedule, step int) float64 {
	if step > s.total {
		return s.lrEnd / s.lr
	}
	remaining := 1 - s.progress(step)
	return ((s.lr-s.lrEnd)*math.Pow(remaining, s.power) + s.lrEnd) / s.lr
}

func constant(*Schedule, int) float64 { return 1 }

func inverseSqrt(s *Schedule, step int) float64 {
	t := s.timescaleSteps()
	return 1 / math.Sqrt(float64(step+t-s.warmup)/float64(t))
}

// timescaleSteps is the timescale of "inverse_sqrt": as set, else the
// warmup, else 10000 steps.
func (s *Schedule) timescaleSteps() int {
	switch {
	case s.timescale > 0:
		return s.timescale
	case s.warmup > 0:
		return s.warmup
	}
	return 10000
}

// String describes the schedule in one line, for example
// "cosine schedule: lr 0.0003, warmup 100, total 1000, cycles 0.5".
func (s *Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s schedule: lr %s, warmup %d, total %d", s.kind.name, formatFloat(s.lr), s.warmup, s.total)
	for _, name := range s.kind.options {
		switch name {
		case optCycles:
			fmt.Fprintf(&b, ", cycles %s", formatFloat(s.cycles))
		case optPower:
			fmt.Fprintf(&b, ", power %s", formatFloat(s.power))
		case optLREnd:
			fmt.Fprintf(&b, ", lr_end %s", formatFloat(s.lrEnd))
		case optTimescale:
			fmt.Fprintf(&b, ", timescale %d", s.timescaleSteps())
		}
	}
	return b.String()
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
