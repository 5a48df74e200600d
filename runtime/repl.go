package runtime

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"

	"github.com/golora/golora/builtins/display"
)

// REPL runs a read-eval-print loop on the session: it reads a cell from in
// (continuing over lines while the cell is incomplete), runs it and prints
// what it produced to out. Images and other binary outputs are written to
// files in imageDir, and their paths printed. Ctrl-C interrupts a running
// cell; end of input ends the loop.
func (s *Session) REPL(ctx context.Context, in io.Reader, out io.Writer, imageDir string) error {
	r := bufio.NewReader(in)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		for range sig {
			s.Interrupt()
		}
	}()
	term := &terminal{w: out, in: r, imageDir: imageDir}
	fmt.Fprintln(out, "golora — Go cells with LoRA builtins. %help for help; Ctrl-D to leave.")
	for n := 1; ; n++ {
		code, err := s.readCell(r, out, n)
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
		res := s.Execute(ctx, code, ExecOptions{Count: n, StoreHistory: true}, term)
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

// readCell reads lines until IsComplete says the cell is complete (or
// invalid: running it shows why).
func (s *Session) readCell(r *bufio.Reader, out io.Writer, n int) (string, error) {
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

// terminal is the REPL's Output.
type terminal struct {
	mu       sync.Mutex
	w        io.Writer
	in       *bufio.Reader
	imageDir string
	images   int
	live     bool // a progress line is being redrawn
}

func (t *terminal) endLine() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.live {
		fmt.Fprintln(t.w)
		t.live = false
	}
}

func (t *terminal) Stream(_, text string) {
	t.endLine()
	io.WriteString(t.w, text)
}

func (t *terminal) Display(b display.Bundle, id display.ID) {
	t.endLine()
	text := t.text(b)
	if id != "" && !strings.Contains(text, "\n") {
		t.mu.Lock()
		fmt.Fprintf(t.w, "\r\x1b[K%s", text)
		t.live = true
		t.mu.Unlock()
		return
	}
	fmt.Fprintln(t.w, text)
}

func (t *terminal) Update(b display.Bundle, id display.ID) { t.Display(b, id) }

func (t *terminal) ClearOutput(bool) {}

func (t *terminal) Input(ctx context.Context, prompt string, _ bool) (string, error) {
	t.endLine()
	io.WriteString(t.w, prompt)
	line, err := t.in.ReadString('\n')
	if err != nil && line == "" {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// text returns what the terminal shows of a bundle: its text, and for an
// image the path of the file it was written to.
func (t *terminal) text(b display.Bundle) string {
	for _, m := range []struct{ mime, ext string }{{display.MIMEPNG, ".png"}, {display.MIMEJPEG, ".jpg"}, {display.MIMESVG, ".svg"}} {
		v, ok := b.Data[m.mime].(string)
		if !ok {
			continue
		}
		data := []byte(v)
		if m.mime != display.MIMESVG {
			var err error
			if data, err = base64.StdEncoding.DecodeString(v); err != nil {
				continue
			}
		}
		t.mu.Lock()
		t.images++
		path := filepath.Join(t.imageDir, fmt.Sprintf("golora-%d%s", t.images, m.ext))
		t.mu.Unlock()
		if err := os.MkdirAll(t.imageDir, 0o755); err == nil {
			if err := os.WriteFile(path, data, 0o644); err == nil {
				return fmt.Sprintf("%s (image written to %s)", b.Text(), path)
			}
		}
	}
	return b.Text()
}
