package lora

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/golora/golora/builtins/llama"
)

// estimateMemory returns about how many bytes a training run holds at its
// peak: the weights, the activations a micro-batch keeps for its backward
// pass (the residual stream and attention of every layer, and the logits
// over the vocabulary, the largest part for small models), and the trained
// values with their gradient accumulators and Adam moments. The factor
// 1.3 covers the temporaries of the backward pass; it matches the peak RSS
// measured on the Go backend for the benchmark configurations within 10%.
// With GradientCheckpointing a layer keeps only its input for the backward
// pass, and one layer at a time holds its activations.
func estimateMemory(c llama.Config, cfg Config, what trainable) int64 {
	const f32 = 4
	tokens := int64(cfg.MicroBatch) * int64(cfg.CutoffLen)
	params := c.NumParameters()
	layers, h, ff := int64(c.NumLayers), int64(c.HiddenSize), int64(c.IntermediateSize)
	heads, seq := int64(c.NumHeads), int64(cfg.CutoffLen)
	perLayer := 12*h + 4*ff + 2*heads*seq // per token: what a layer keeps for its backward pass
	kept := layers * perLayer
	if cfg.GradientCheckpointing {
		// Each layer's input, and one layer's activations at a time while
		// the backward pass recomputes it.
		kept = layers*h + perLayer
	}
	activations := tokens * (kept + 4*int64(c.VocabSize)) * f32
	return (params*f32 + activations + what.stateBytes(c, cfg)) * 13 / 10
}

// availableMemory returns the memory the system can still give, from
// /proc/meminfo's MemAvailable, bounded by a cgroup limit when one is set.
func availableMemory() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var avail int64
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, false
			}
			avail = kb << 10
		}
	}
	if avail == 0 {
		return 0, false
	}
	if data, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if limit, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil {
			used := int64(0)
			if cur, err := os.ReadFile("/sys/fs/cgroup/memory.current"); err == nil {
				used, _ = strconv.ParseInt(strings.TrimSpace(string(cur)), 10, 64)
			}
			avail = min(avail, limit-used)
		}
	}
	return avail, true
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	default:
		return fmt.Sprintf("%d KiB", n>>10)
	}
}

// tooBig is the error of a run whose estimate est exceeds the memory avail:
// it names what would make it fit, with the estimate each change gives.
func tooBig(c llama.Config, cfg Config, what trainable, est, avail int64) error {
	var fixes []string
	if !cfg.GradientCheckpointing {
		ck := cfg
		ck.GradientCheckpointing = true
		fixes = append(fixes, fmt.Sprintf("set GradientCheckpointing (about %s)", formatBytes(estimateMemory(c, ck, what))))
	}
	if cfg.MicroBatch > 1 {
		mb := cfg
		mb.MicroBatch = max(1, cfg.MicroBatch/2)
		fixes = append(fixes, fmt.Sprintf("lower MicroBatch from %d to %d (about %s; Batch stays %d by accumulation)", cfg.MicroBatch, mb.MicroBatch, formatBytes(estimateMemory(c, mb, what)), cfg.Batch))
	}
	if cfg.CutoffLen > 2 {
		cl := cfg
		cl.CutoffLen = max(2, cfg.CutoffLen/2)
		fixes = append(fixes, fmt.Sprintf("lower CutoffLen from %d to %d (about %s)", cfg.CutoffLen, cl.CutoffLen, formatBytes(estimateMemory(c, cl, what))))
	}
	return fmt.Errorf("lora: this run needs about %s of memory but %s are available: %s", formatBytes(est), formatBytes(avail), strings.Join(fixes, ", or "))
}
