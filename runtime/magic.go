package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/golora/golora/builtins/symbols"
	"github.com/golora/golora/cell"
)

// magicHelp is what %help prints.
var magicHelp = `golora cells are Go, run by an interpreter (yaegi).

  - Mix imports, declarations and statements in one cell. Packages of the
    standard library and these builtins of golora are imported on first use:
    ` + strings.Join(symbols.Names(), ", ") + `.
  - Run any cell again: a type, func, method, var or const declared anew
    replaces the old one, also in the funcs that use it.
  - The last expression of a cell is its value; plots, tables and datasets
    show as pictures and tables.
  - ctx is the cell's context: pass it to builtins that run long; the
    interrupt button cancels it, and they stop at the next step, keeping
    what they finished.
  - name? (or ?name) shows the documentation of a package, func, type or
    variable; Tab completes, Shift-Tab shows the signature.

Magics (one a line; anywhere in a cell unless said):
  %help          this text
  %time          as the first line: time the whole cell; %time CODE times one line
  %env           list the environment; %env K shows K; %env K=V sets it
  %cd DIR        change the working directory (~ for home); %cd alone shows it
  %reset         forget every variable, declaration and import
  !CMD           run a shell command; its output shows in the cell
`

func isCellMagic(line string) bool {
	return line == "%time" || line == "%%time"
}

// runMagic runs one magic line.
func (s *Session) runMagic(ctx context.Context, line string) *cell.Error {
	if strings.HasPrefix(line, "!") {
		return s.shell(ctx, strings.TrimSpace(line[1:]))
	}
	name, arg, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(line, "%"), "%"), " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case "help":
		io.WriteString(s.stdoutSink(), magicHelp)
	case "env":
		return s.env(arg)
	case "cd":
		return s.cd(arg)
	case "reset":
		if err := s.reset(); err != nil {
			return errorf("ResetError", "%v", err)
		}
		s.setCtx(ctx)
		fmt.Fprintln(s.stdoutSink(), "Forgot every variable, declaration and import.")
	case "time":
		if arg == "" {
			return errorf("UsageError", "%%time times code: put it alone on the first line to time the whole cell, or write %%time CODE")
		}
		start := time.Now()
		res := s.runCode(ctx, "<%time>", arg)
		s.printTime(time.Since(start))
		if res.Err != nil {
			return res.Err
		}
		if res.Value != nil {
			fmt.Fprintln(s.stdoutSink(), res.Value.Text())
		}
	default:
		return errorf("UsageError", "unknown magic %%%s: %%help lists the magics", name)
	}
	return nil
}

// timeCell runs the rest of a cell whose first line is %time.
func (s *Session) timeCell(ctx context.Context, name, _ string, rest []segment) cell.Outcome {
	start := time.Now()
	var res cell.Outcome
	for _, seg := range rest {
		if seg.magic != "" {
			if err := s.runMagic(ctx, seg.magic); err != nil {
				res = cell.Outcome{Err: err}
				break
			}
			continue
		}
		if res = s.runCode(ctx, name, seg.code); res.Err != nil {
			break
		}
	}
	s.syncOutput()
	s.printTime(time.Since(start))
	return res
}

func (s *Session) printTime(d time.Duration) {
	s.syncOutput()
	fmt.Fprintf(s.stdoutSink(), "Wall time: %s\n", d.Round(time.Microsecond))
	s.syncOutput()
}

func (s *Session) env(arg string) *cell.Error {
	out := s.stdoutSink()
	switch k, v, set := strings.Cut(arg, "="); {
	case arg == "":
		env := os.Environ()
		sort.Strings(env)
		for _, kv := range env {
			fmt.Fprintln(out, kv)
		}
	case set:
		k = strings.TrimSpace(k)
		if k == "" {
			return errorf("UsageError", "%%env K=V needs a name before =")
		}
		if err := os.Setenv(k, strings.TrimSpace(v)); err != nil {
			return errorf("UsageError", "%%env: %v", err)
		}
		fmt.Fprintf(out, "env: %s=%s\n", k, strings.TrimSpace(v))
	default:
		v, ok := os.LookupEnv(k)
		if !ok {
			return errorf("UsageError", "%%env: %s is not set", k)
		}
		fmt.Fprintln(out, v)
	}
	return nil
}

func (s *Session) cd(arg string) *cell.Error {
	if arg != "" {
		dir := arg
		if dir == "~" || strings.HasPrefix(dir, "~/") {
			home, err := os.UserHomeDir()
			if err != nil {
				return errorf("UsageError", "%%cd: %v", err)
			}
			dir = filepath.Join(home, strings.TrimPrefix(dir, "~"))
		}
		if err := os.Chdir(dir); err != nil {
			return errorf("UsageError", "%%cd: %v", err)
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return errorf("UsageError", "%%cd: %v", err)
	}
	fmt.Fprintln(s.stdoutSink(), wd)
	return nil
}

// shell runs a command with sh; the interrupt button stops it.
func (s *Session) shell(ctx context.Context, command string) *cell.Error {
	if command == "" {
		return errorf("UsageError", "! needs a command, as in !ls -l")
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Stdout = s.stdoutSink()
	cmd.Stderr = s.stderrSink()
	err := cmd.Run()
	if ctx.Err() != nil {
		return interruptedError(nil)
	}
	if err != nil {
		s.syncOutput()
		fmt.Fprintf(s.stderrSink(), "!%s: %v\n", command, err)
	}
	return nil
}
