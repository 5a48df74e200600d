// Package sched computes learning-rate schedules: the learning rate an
// optimizer uses at each step of a training run.
//
// The schedules are Hugging Face transformers' (get_scheduler), formula for
// formula, so a run configured here with the same name, learning rate, warmup
// and total steps follows the same curve as one run with transformers:
//
//	s, err := sched.New("cosine", 3e-4, 100, 1000)
//	lr := s.At(step) // the learning rate for optimizer step `step`, from 0
//
// Warmup raises the rate linearly from 0 over the first `warmup` steps (all
// schedules but "constant"); then the named decay follows. Options tune the
// schedules that have parameters:
//
//	sched.New("cosine_with_restarts", 3e-4, 100, 1000, sched.Cycles(3))
//	sched.New("polynomial", 3e-4, 100, 1000, sched.Power(2), sched.LREnd(1e-6))
//	sched.New("inverse_sqrt", 3e-4, 100, 1000, sched.Timescale(500))
//
// A Schedule shown in a notebook draws its curve.
package sched
