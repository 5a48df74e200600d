package repl

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/runtime"
)

// Run runs a read-eval-print loop on the session: it reads a cell from in
// (continuing over lines while the cell is incomplete), runs it and prints
// what it produced to out. Images and other binary outputs are written to
// files in imageDir, and their paths printed. End of input ends the loop.
// Run installs no signal handler: the caller turns Ctrl-C into
// Session.Interrupt.
func Run(ctx context.Context, s *runtime.Session, in io.Reader, out io.Writer, imageDir string) error {
	r := bufio.NewReader(in)
	term := &terminal{w: out, in: r, imageDir: imageDir}
	fmt.Fprintln(out, "golora — Go cells with LoRA builtins. %help for help; Ctrl-D to leave.")
	for n := 1; ; n++ {
		code, err := readCell(s, r, out, n)
		if err == io.EOF && strings.TrimSpace(code) == "" {
			fmt.Fprintln(out)
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		if strings.TrimSpace(code) == "" {
			n--
			continue
		}
		res := s.Execute(ctx, code, cell.ExecOptions{Count: n, StoreHistory: true}, term)
		term.endLine()
		switch {
		case res.Err != nil:
			fmt.Fprintln(out, strings.Join(res.Err.Traceback, "\n"))
		case res.Page != nil:
			fmt.Fprintln(out, res.Page.Text())
		case res.Value != nil:
			fmt.Fprintf(out, "Out[%d]: %s\n", n, term.text(*res.Value))
		}
		if err == io.EOF {
			return nil
		}
	}
}

// readCell reads lines until the session says the cell is complete (or
// invalid: running it shows why).
func readCell(s *runtime.Session, r *bufio.Reader, out io.Writer, n int) (string, error) {
	var b strings.Builder
	prompt := fmt.Sprintf("In [%d]: ", n)
	for {
		fmt.Fprint(out, prompt)
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		status, indent := s.IsComplete(b.String())
		if status != "incomplete" {
			return b.String(), nil
		}
		prompt = strings.Repeat(" ", len(prompt)-5) + "...: " + indent
	}
}
