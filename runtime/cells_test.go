package runtime

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/internal/busy"
)

var update = flag.Bool("update", false, "rewrite the expected sections of testdata/cells/*.txt from what the cells produce")

// TestCellScripts runs every cell script in testdata/cells, each in a new
// session, and compares what each cell produced with what the script
// expects. testdata/cells/README.md describes the format; with -update the
// test writes what the cells produced into the scripts instead.
func TestCellScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cells", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cell scripts in testdata/cells (%v)", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			sc, err := parseScript(file)
			if err != nil {
				t.Fatal(err)
			}
			s := newSession(t)
			giveScriptFuncs(t, s)
			for i, c := range sc.cells {
				got := c.run(s, i+1)
				if *update {
					if _, ok := c.want["traceback"]; !ok {
						delete(got, "traceback")
					}
					c.want = got
					continue
				}
				for _, name := range sectionNames {
					g, w := got[name], c.want[name]
					if name == "traceback" && w == "" {
						continue // compared only where the script has it
					}
					if g != w {
						t.Errorf("%s:%d: cell %d: %s differs\n--- want\n%s+++ got\n%s", file, c.line, i+1, name, w, g)
					}
				}
			}
			if *update {
				if err := os.WriteFile(file, sc.format(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// sectionNames are the sections that follow a cell, in the order -update
// writes them.
var sectionNames = []string{"stdout", "stderr", "value", "error", "traceback"}

// A script is a sequence of cells run in one session.
type script struct {
	comment string // the text before the first cell
	cells   []*scriptCell
}

// A scriptCell is a cell of a script and what it must produce.
type scriptCell struct {
	line       int    // of the cell's header, for messages
	header     string // the header's text, "cell" and the options
	code       string
	interrupts []time.Duration   // when to interrupt the cell, from its start
	want       map[string]string // section name → text with a final newline
}

// parseScript reads a cell script.
func parseScript(file string) (*script, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	sc := &script{}
	var (
		c       *scriptCell
		section string // "cell" or one of sectionNames
		text    strings.Builder
	)
	flush := func() {
		switch {
		case c == nil:
			sc.comment = text.String()
		case section == "cell":
			c.code = strings.TrimSuffix(text.String(), "\n")
		default:
			c.want[section] = withNewline(text.String())
		}
		text.Reset()
	}
	for i, line := range strings.SplitAfter(string(data), "\n") {
		header, isHeader := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "-- ")
		header, ok := strings.CutSuffix(header, " --")
		if !isHeader || !ok {
			text.WriteString(line)
			continue
		}
		flush()
		fields := strings.Fields(header)
		switch {
		case len(fields) > 0 && fields[0] == "cell":
			c = &scriptCell{line: i + 1, header: header, want: map[string]string{}}
			sc.cells = append(sc.cells, c)
			for _, opt := range fields[1:] {
				d, ok := strings.CutPrefix(opt, "interrupt=")
				at, err := time.ParseDuration(d)
				if !ok || err != nil {
					return nil, fmt.Errorf("%s:%d: option %q: want interrupt=DURATION", file, i+1, opt)
				}
				c.interrupts = append(c.interrupts, at)
			}
		case c == nil:
			return nil, fmt.Errorf("%s:%d: section %q before the first cell", file, i+1, header)
		case !slices.Contains(sectionNames, header):
			return nil, fmt.Errorf("%s:%d: unknown section %q: want cell or one of %s", file, i+1, header, strings.Join(sectionNames, ", "))
		case c.want[header] != "":
			return nil, fmt.Errorf("%s:%d: second %s section for one cell", file, i+1, header)
		}
		section = fields[0]
	}
	flush()
	if len(sc.cells) == 0 {
		return nil, fmt.Errorf("%s: no cell", file)
	}
	return sc, nil
}

// format returns the script's text, with each cell's expectations.
func (sc *script) format() []byte {
	var b strings.Builder
	b.WriteString(sc.comment)
	for _, c := range sc.cells {
		fmt.Fprintf(&b, "-- %s --\n%s\n", c.header, c.code)
		for _, name := range sectionNames {
			if text := c.want[name]; text != "" {
				fmt.Fprintf(&b, "-- %s --\n%s", name, text)
			}
		}
	}
	return []byte(b.String())
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// run executes the cell as the count-th of its notebook and returns what
// it produced, by section.
func (c *scriptCell) run(s *Session, count int) map[string]string {
	for _, at := range c.interrupts {
		timer := time.AfterFunc(at, s.Interrupt)
		defer timer.Stop()
	}
	rec := &recorder{}
	res := s.Execute(context.Background(), c.code, cell.ExecOptions{Count: count, StoreHistory: true}, rec)
	got := map[string]string{
		"stdout": withNewline(rec.stdout.String()),
		"stderr": withNewline(rec.stderr.String()),
	}
	if res.Value != nil {
		got["value"] = withNewline(res.Value.Text())
	}
	if res.Err != nil {
		got["error"] = withNewline(res.Err.Name + ": " + res.Err.Value)
		got["traceback"] = withNewline(ansiEscape.ReplaceAllString(strings.Join(res.Err.Traceback, "\n"), ""))
	}
	return got
}

// withNewline returns s ending in one newline, or "" for "".
func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// giveScriptFuncs declares the compiled functions that scripts call as
// stand-ins for builtins (testdata/cells/README.md lists them).
func giveScriptFuncs(t *testing.T, s *Session) {
	t.Helper()
	// testStep is a builtin that marks itself busy, runs until the cell is
	// interrupted and then takes ms milliseconds to finish its step.
	giveCell(t, s, "testStep", "func(context.Context, int) string", func(ctx context.Context, ms int) string {
		defer busy.Enter(ctx)()
		<-ctx.Done()
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return fmt.Sprintf("finished its step %d ms after the interrupt", ms)
	})
	// testUncounted is a builtin that takes no ctx, such as Model.Save, so
	// it cannot mark itself busy: it works for ms milliseconds.
	giveCell(t, s, "testUncounted", "func(int) string", func(ms int) string {
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return fmt.Sprintf("worked %d ms", ms)
	})
}

// giveCell declares a global name of type typ in the session's interpreter,
// whose value is the compiled function fn, for cells to call.
func giveCell(t *testing.T, s *Session, name, typ string, fn any) {
	t.Helper()
	if _, err := s.in.Eval("var " + name + " " + typ); err != nil {
		t.Fatalf("declaring %s: %v", name, err)
	}
	v, ok := s.globals()[name]
	if !ok || !v.CanSet() {
		t.Fatalf("declaring %s: the interpreter has no such variable", name)
	}
	v.Set(reflect.ValueOf(fn))
}
