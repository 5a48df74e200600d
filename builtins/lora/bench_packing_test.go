package lora

import (
	"context"
	"os"
	"testing"

	"github.com/golora/golora/builtins/data"
	"github.com/golora/golora/builtins/formats"
)

// BenchmarkPacking trains golora-tiny one epoch on the quickstart's data
// (64 rows of datasets/devil.jsonl through formats/alpaca-format.json,
// CutoffLen 128, batches of 8) with and without Packing, and reports the
// scored tokens (the loss's targets) per second of each and their ratio,
// measured in the same run: packing's gain is the padding it saves.
//
//	go test -run '^$' -bench Packing ./builtins/lora
func BenchmarkPacking(b *testing.B) {
	m := goloraTiny(b)
	ds, err := data.Load("../../datasets/devil.jsonl")
	if err != nil {
		b.Fatal(err)
	}
	f, err := formats.Load("../../formats/alpaca-format.json")
	if err != nil {
		b.Fatal(err)
	}
	src := FromFormat(ds.Head(64), f)
	rate := func(packing bool) (float64, int) {
		cfg := Config{Name: "bench", Rank: 8, Alpha: 16, Epochs: 1, MicroBatch: 8, Batch: 8, CutoffLen: 128,
			NoWarmup: true, NoDropout: true, AddEOS: true, Seed: 1, OutputDir: b.TempDir(), PlotEvery: 1000, Packing: packing}
		stdout := os.Stdout
		os.Stdout, _ = os.Open(os.DevNull)
		run, err := Train(context.Background(), m, src, cfg)
		os.Stdout = stdout
		if err != nil {
			b.Fatal(err)
		}
		full, _ := cfg.withDefaults()
		p, err := makePlan(context.Background(), m, src, full)
		if err != nil {
			b.Fatal(err)
		}
		scored := 0
		for _, e := range p.examples {
			scored += countTrue(e.Mask)
		}
		return float64(scored) / run.Elapsed.Seconds(), run.Steps
	}
	rate(true) // Compiles the graphs of both shapes' buckets once.
	rate(false)
	var packed, plain float64
	var packedSteps, plainSteps int
	for b.Loop() {
		p, ps := rate(true)
		u, us := rate(false)
		packed, plain, packedSteps, plainSteps = packed+p, plain+u, ps, us
	}
	b.ReportMetric(packed/float64(b.N), "packed-scored-tok/s")
	b.ReportMetric(plain/float64(b.N), "unpacked-scored-tok/s")
	b.ReportMetric(packed/plain, "packed/unpacked")
	b.ReportMetric(float64(packedSteps), "packed-steps")
	b.ReportMetric(float64(plainSteps), "unpacked-steps")
}
