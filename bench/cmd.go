package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
)

// Options configures Run.
type Options struct {
	// Configs is configs.json; Names the configurations to run (all CPU
	// ones when empty).
	Configs string
	Names   []string
	// Warmup and Steps are the steps run before timing and timed.
	Warmup, Steps int
	// Python runs torch_lora.py; "" skips the PyTorch reference.
	Python string
	// TorchDevice is torch_lora.py's --device: cpu (default) or cuda.
	TorchDevice string
	// PEFT measures transformers + PEFT (torch_lora.py --peft) instead of
	// torch_lora.py's own model.
	PEFT bool
	// Self is the golora binary, which measures each configuration in a
	// child process of its own so that its peak memory is its own.
	Self string
}

// Run measures golora and PyTorch on each configuration and writes the
// table to w.
func Run(ctx context.Context, w io.Writer, opts Options) error {
	configs, err := ReadConfigs(opts.Configs)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "config\timplementation\ttokens/s\tstep median\tstep min–max\tpeak RSS\tGFLOP/s\traw GFLOP/s\tstep/raw\tgolora/PyTorch")
	for _, c := range configs {
		if len(opts.Names) > 0 && !contains(opts.Names, c.Name) || len(opts.Names) == 0 && (c.DType != "" || strings.HasPrefix(c.Name, "gpu")) {
			continue
		}
		golora, err := child(ctx, opts.Self, []string{"bench", "--child", c.Name, "--configs", opts.Configs, "--warmup", fmt.Sprint(opts.Warmup), "--steps", fmt.Sprint(opts.Steps)})
		if err != nil {
			return fmt.Errorf("bench %s: golora: %w", c.Name, err)
		}
		row(tw, golora, nil)
		if opts.Python != "" {
			device := opts.TorchDevice
			if device == "" {
				device = "cpu"
			}
			args := []string{filepath.Join(filepath.Dir(opts.Configs), "torch_lora.py"), c.Name,
				"--warmup", fmt.Sprint(opts.Warmup), "--steps", fmt.Sprint(opts.Steps), "--device", device, "--configs", opts.Configs}
			if opts.PEFT {
				args = append(args, "--peft")
			}
			torch, err := child(ctx, opts.Python, args)
			if err != nil {
				fmt.Fprintf(tw, "%s\tPyTorch: %v\n", c.Name, err)
				continue
			}
			torch.GFLOPs = StepFLOPs(c) / torch.StepS / 1e9
			row(tw, torch, &golora)
		}
		tw.Flush()
	}
	return tw.Flush()
}

func row(w io.Writer, r Result, golora *Result) {
	ratio, gflops, raw, eff := "", "", "", ""
	if golora != nil && r.TokensPerS > 0 {
		ratio = fmt.Sprintf("%.2f", golora.TokensPerS/r.TokensPerS)
	}
	if r.GFLOPs > 0 {
		gflops = fmt.Sprintf("%.1f", r.GFLOPs)
	}
	if r.RawS > 0 {
		// The share of the step its products would take at the backend's
		// own speed on them.
		raw = fmt.Sprintf("%.1f", r.RawGFLOPs)
		eff = fmt.Sprintf("%.0f%%", 100*r.RawS/r.StepS)
	}
	fmt.Fprintf(w, "%s\t%s\t%.0f\t%.3f s\t%.3f–%.3f s\t%.0f MiB\t%s\t%s\t%s\t%s\n", r.Config, r.Backend, r.TokensPerS, r.StepS, r.StepMinS, r.StepMaxS,
		float64(r.PeakRSS)/(1<<20), gflops, raw, eff, ratio)
}

// child runs a command that prints one Result as JSON, and takes its peak
// RSS from the operating system when the child did not measure it.
func child(ctx context.Context, name string, args []string) (Result, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return Result{}, fmt.Errorf("%v: %s", err, lastLine(errb.String()))
	}
	var r Result
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		return Result{}, fmt.Errorf("reading its result: %w", err)
	}
	if u, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && r.PeakRSS == 0 {
		r.PeakRSS = u.Maxrss * 1024
	}
	return r, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Child measures one configuration and prints its Result as JSON: what
// `golora bench --child NAME` runs.
func Child(ctx context.Context, configsPath, name string, warmup, steps int) error {
	configs, err := ReadConfigs(configsPath)
	if err != nil {
		return err
	}
	for _, c := range configs {
		if c.Name != name {
			continue
		}
		// Training prints its plan; the result must be the last line.
		r, err := Measure(ctx, c, warmup, steps)
		if err != nil {
			return err
		}
		data, _ := json.Marshal(r)
		fmt.Fprintln(os.Stdout, string(data))
		return nil
	}
	return fmt.Errorf("bench: no configuration %q in %s", name, configsPath)
}
