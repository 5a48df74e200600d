package repl

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/golora/golora/output"
)

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

func (t *terminal) Display(b output.Bundle, id output.ID) {
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

func (t *terminal) Update(b output.Bundle, id output.ID) { t.Display(b, id) }

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
func (t *terminal) text(b output.Bundle) string {
	for _, m := range []struct{ mime, ext string }{{output.MIMEPNG, ".png"}, {output.MIMEJPEG, ".jpg"}, {output.MIMESVG, ".svg"}} {
		v, ok := b.Data[m.mime].(string)
		if !ok {
			continue
		}
		data := []byte(v)
		if m.mime != output.MIMESVG {
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
