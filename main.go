// Command golora is a Jupyter kernel for Go whose cells fine-tune language
// models with LoRA.
//
//	golora install [--user | --sys-prefix | --prefix DIR]   install the kernelspec
//	golora uninstall [--user | --sys-prefix | --prefix DIR]
//	golora kernel CONNECTION_FILE                          what Jupyter starts
//	golora run NOTEBOOK.ipynb [-o OUT.ipynb] [-p name=value]… [--allow-errors] [--max-output-mb N]
//	golora repl                                            a terminal REPL
//	golora bench [CONFIG...]                               LoRA training speed against PyTorch
//	golora version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	goruntime "runtime"
	"strings"
	"syscall"

	"github.com/golora/golora/bench"
	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/kernel"
	"github.com/golora/golora/kernelspec"
	"github.com/golora/golora/runtime"
	"github.com/golora/golora/runtime/notebook"
	"github.com/golora/golora/runtime/repl"
)

// Version is golora's version.
const Version = "0.1.0"

const usage = `golora — a Jupyter kernel for Go, with LoRA fine-tuning builtins.

Usage:
  golora install [--user | --sys-prefix | --prefix DIR]   install the Jupyter kernelspec (default --user)
  golora uninstall [--user | --sys-prefix | --prefix DIR] remove it
  golora kernel CONNECTION_FILE                           run as a kernel (Jupyter starts this)
  golora run NOTEBOOK.ipynb [-o OUT.ipynb] [-p name=value]... [--allow-errors] [--max-output-mb N]
                                                          execute a notebook without Jupyter; the notebook
                                                          is written after each cell, keeping at most N MB
                                                          (default 10, 0: no limit) of each cell's text
  golora repl                                             a terminal read-eval-print loop
  golora bench [CONFIG...]                                LoRA training speed against PyTorch
  golora version                                          print the version
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "kernel":
		err = runKernel(args)
	case "install":
		err = install(args, false)
	case "uninstall":
		err = install(args, true)
	case "run":
		err = runNotebook(args)
	case "repl":
		err = runREPL(args)
	case "bench":
		err = runBench(args)
	case "version", "--version", "-v":
		fmt.Printf("golora %s (%s, %s/%s; Go backend: %s matrix kernels)\n", Version, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH, llama.MatrixKernels())
		if note := buildNote(); note != "" {
			fmt.Println(note)
		}
	case "help", "--help", "-h":
		fmt.Print(usage)
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	if err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			os.Exit(int(exit))
		}
		fmt.Fprintln(os.Stderr, "golora:", err)
		os.Exit(1)
	}
}

// exitError ends golora with a status and no further message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// A runtime session is the kernel's evaluator; neither package imports the
// other.
var _ kernel.Evaluator = (*runtime.Session)(nil)

func runKernel(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: golora kernel CONNECTION_FILE")
	}
	conn, err := kernel.ReadConnectionFile(args[0])
	if err != nil {
		return err
	}
	s, err := runtime.New(runtime.Options{CaptureFDs: true})
	if err != nil {
		return err
	}
	defer s.Close()
	k, err := kernel.New(conn, s, kernel.Info{
		Implementation:        kernelspec.Name,
		ImplementationVersion: Version,
		Language:              kernelspec.Language(),
		Banner:                fmt.Sprintf("golora %s — Go cells (yaegi) with LoRA builtins. %%help for help.", Version),
		HelpLinks:             []kernel.HelpLink{{Text: "Go standard library", URL: "https://pkg.go.dev/std"}},
	}, s.Console())
	if err != nil {
		return err
	}
	if k.MaxFrame, err = kernel.MaxFrameFromEnv(); err != nil {
		return err
	}
	// Jupyter interrupts with SIGINT when interrupt_mode is signal; it must
	// stop the cell, not the kernel. SIGTERM ends the kernel cleanly.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for x := range sig {
			if x == syscall.SIGTERM {
				cancel()
				return
			}
			k.Interrupt()
		}
	}()
	// A kernel whose launcher died (a killed nbconvert) stops as a person would stop it.
	go k.WatchParent(ctx, kernel.ParentWatch{})
	return k.Run(ctx)
}

func whereFlags(fs *flag.FlagSet) *kernelspec.Where {
	w := &kernelspec.Where{}
	fs.BoolVar(&w.User, "user", false, "the user's Jupyter data folder (the default)")
	fs.BoolVar(&w.SysPrefix, "sys-prefix", false, "the active virtualenv or conda environment")
	fs.StringVar(&w.Prefix, "prefix", "", "PREFIX/share/jupyter/kernels")
	return w
}

func install(args []string, remove bool) error {
	name := "install"
	if remove {
		name = "uninstall"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	w := whereFlags(fs)
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	n := 0
	for _, set := range []bool{w.User, w.SysPrefix, w.Prefix != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("give one of --user, --sys-prefix and --prefix DIR")
	}
	if remove {
		dir, err := kernelspec.Uninstall(*w)
		if err != nil {
			return err
		}
		fmt.Printf("Removed the golora kernelspec from %s\n", dir)
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := kernelspec.Install(*w, exe)
	if err != nil {
		return err
	}
	fmt.Printf("Installed the golora kernelspec in %s\n", dir)
	if note := buildNote(); note != "" {
		fmt.Println(note)
	}
	return nil
}

// buildNote says how to rebuild golora when it was built for amd64 without
// GOEXPERIMENT=simd, which leaves the Go backend its portable matrix
// kernels; otherwise it returns "".
func buildNote() string {
	if goruntime.GOARCH != "amd64" || !strings.HasPrefix(llama.MatrixKernels(), "portable (built without") {
		return ""
	}
	return "note: this golora was built without GOEXPERIMENT=simd, so the pure-Go backend multiplies matrices\n" +
		"with its portable kernels, 4-5 times slower than its AVX2/AVX-512 ones. Rebuild with\n" +
		"  GOEXPERIMENT=simd go install github.com/golora/golora@latest   (or: make install, which sets it)"
}

func runNotebook(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	out := fs.String("o", "", "write the executed notebook to this file")
	inplace := fs.Bool("inplace", false, "write the executed notebook over the input")
	allow := fs.Bool("allow-errors", false, "run every cell even after one fails")
	quiet := fs.Bool("q", false, "do not echo the cells' output to the terminal")
	maxMB := fs.Float64("max-output-mb", notebook.DefaultMaxOutput>>20, "the most MB of text a cell keeps in the written notebook (0: no limit); the terminal sees all of it")
	var params []notebook.Param
	fs.Func("p", "set a parameter: name=value (repeatable)", func(s string) error {
		p, err := notebook.ParseParam(s)
		if err == nil {
			params = append(params, p)
		}
		return err
	})
	// Flags may follow the notebook's path.
	var path string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return exitError(2)
		}
		if fs.NArg() == 0 {
			break
		}
		if path != "" {
			return fmt.Errorf("run takes one notebook, got %q and %q", path, fs.Arg(0))
		}
		path, args = fs.Arg(0), fs.Args()[1:]
	}
	if path == "" {
		return errors.New("usage: golora run NOTEBOOK.ipynb [-o OUT.ipynb] [-p name=value]... [--allow-errors] [--max-output-mb N]")
	}
	if *inplace {
		if *out != "" {
			return errors.New("give -o or --inplace, not both")
		}
		*out = path
	}
	s, err := runtime.New(runtime.Options{CaptureFDs: true})
	if err != nil {
		return err
	}
	defer s.Close()
	console := s.Console()
	logw := console
	if *quiet {
		logw = io.Discard
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		// The first Ctrl-C interrupts the cell, the second stops the run.
		<-sig
		s.Interrupt()
		<-sig
		cancel()
		s.Interrupt()
	}()
	maxOutput := int64(*maxMB * (1 << 20))
	if maxOutput <= 0 {
		maxOutput = -1
	}
	err = notebook.Run(ctx, s, path, notebook.Options{Output: *out, Params: params, AllowErrors: *allow, Log: logw, MaxOutput: maxOutput})
	if *out != "" {
		fmt.Fprintf(console, "golora: wrote %s\n", *out)
	}
	var cellErr *notebook.CellError
	if errors.As(err, &cellErr) {
		fmt.Fprintf(console, "golora: %v\n", err)
		return exitError(1)
	}
	return err
}

func runREPL(args []string) error {
	fs := flag.NewFlagSet("repl", flag.ContinueOnError)
	images := fs.String("images", "golora-images", "folder for images that cells display")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	s, err := runtime.New(runtime.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	// Ctrl-C interrupts the running cell, not the REPL.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			s.Interrupt()
		}
	}()
	return repl.Run(context.Background(), s, os.Stdin, os.Stdout, *images)
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	configs := fs.String("configs", "bench/configs.json", "the configurations")
	warmup := fs.Int("warmup", 2, "steps before timing")
	steps := fs.Int("steps", 5, "steps timed")
	python := fs.String("python", os.Getenv("GOLORA_PYTHON"), "Python with torch for bench/torch_lora.py (\"\" skips it)")
	childName := fs.String("child", "", "measure one configuration and print its result (internal)")
	device := fs.String("torch-device", "cpu", "where PyTorch runs: cpu or cuda")
	usePEFT := fs.Bool("peft", false, "compare with transformers + PEFT rather than bench/torch_lora.py's own model")
	if err := fs.Parse(args); err != nil {
		return exitError(2)
	}
	ctx := context.Background()
	if *childName != "" {
		return bench.Child(ctx, *configs, *childName, *warmup, *steps)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("golora bench: LoRA r8 on q,v, AdamW, float32 (bfloat16 products where a configuration says so), %d warm-up and %d timed steps; backend %s\n", *warmup, *steps, llama.Backend())
	return bench.Run(ctx, os.Stdout, bench.Options{Configs: *configs, Names: fs.Args(), Warmup: *warmup, Steps: *steps, Python: *python, TorchDevice: *device, PEFT: *usePEFT, Self: self})
}
