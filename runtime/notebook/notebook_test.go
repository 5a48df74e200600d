package notebook

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/runtime"
)

// newSession starts a session that the test closes.
func newSession(t *testing.T) *runtime.Session {
	t.Helper()
	s, err := runtime.New(runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// writeNotebook writes a notebook of code cells into a temporary folder.
func writeNotebook(t testing.TB, cells ...string) string {
	t.Helper()
	var list []any
	for _, c := range cells {
		list = append(list, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": c, "outputs": []any{}, "execution_count": nil})
	}
	data, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": list})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nb.ipynb")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readOutputs returns the outputs of each code cell of a notebook file.
func readOutputs(t testing.TB, path string) [][]map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Outputs []map[string]any `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatal(err)
	}
	var out [][]map[string]any
	for _, c := range nb.Cells {
		out = append(out, c.Outputs)
	}
	return out
}

// benchmarkBigOutput runs a notebook whose one cell prints mb megabytes,
// in lines of 1 KB, and saves it keeping at most limit bytes.
func benchmarkBigOutput(b *testing.B, mb int, limit int64) {
	path := writeNotebook(b, `line := strings.Repeat("x", 1023) + "\n"
for i := 0; i < `+strconv.Itoa(mb*1024)+`; i++ {
	fmt.Print(line)
}`)
	out := filepath.Join(b.TempDir(), "out.ipynb")
	s, err := runtime.New(runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.SetBytes(int64(mb) << 20)
	for b.Loop() {
		if err := Run(context.Background(), s, path, Options{Output: out, MaxOutput: limit}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBigOutput20MB(b *testing.B)          { benchmarkBigOutput(b, 20, 0) }
func BenchmarkBigOutput200MB(b *testing.B)         { benchmarkBigOutput(b, 200, 0) }
func BenchmarkBigOutput20MBAllSaved(b *testing.B)  { benchmarkBigOutput(b, 20, -1) }
func BenchmarkBigOutput200MBAllSaved(b *testing.B) { benchmarkBigOutput(b, 200, -1) }

// logHook is a Log that calls hook on every write.
type logHook struct {
	b    strings.Builder
	hook func(text string)
}

func (l *logHook) Write(p []byte) (int, error) {
	l.b.Write(p)
	l.hook(string(p))
	return len(p), nil
}

// TestRunNotebookSavesAfterEachCell: the notebook on disk has the outputs
// of the cells run so far while the next one runs, so a crash keeps them.
func TestRunNotebookSavesAfterEachCell(t *testing.T) {
	path := writeNotebook(t, `fmt.Println("first")`, `fmt.Println("second")`)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	var during [][]map[string]any
	log := &logHook{hook: func(text string) {
		if strings.HasPrefix(text, "── cell 2/2") {
			during = readOutputs(t, out)
		}
	}}
	s := newSession(t)
	if err := Run(context.Background(), s, path, Options{Output: out, Log: log}); err != nil {
		t.Fatal(err)
	}
	if len(during) != 2 || len(during[0]) != 1 || during[0][0]["text"] != "first\n" || len(during[1]) != 0 {
		t.Fatalf("while cell 2 ran, the notebook held %v; want cell 1's output and none for cell 2", during)
	}
	if got := readOutputs(t, out); len(got[1]) != 1 || got[1][0]["text"] != "second\n" {
		t.Fatalf("at the end, cell 2 holds %v", got[1])
	}
}

// TestRunNotebookTruncatesBigOutput: a cell keeps at most MaxOutput bytes
// of text in the notebook, says how much it left out, and the log still
// gets everything.
func TestRunNotebookTruncatesBigOutput(t *testing.T) {
	path := writeNotebook(t, `for i := 0; i < 100; i++ {
	fmt.Print(strings.Repeat("é", 25))
	fmt.Print(strings.Repeat("a", 49))
}`)
	out := filepath.Join(t.TempDir(), "out.ipynb")
	log := &logHook{hook: func(string) {}}
	s := newSession(t)
	if err := Run(context.Background(), s, path, Options{Output: out, Log: log, MaxOutput: 1000}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.b.String(), "é"); n != 2500 {
		t.Errorf("the log got %d é, want all 2500", n)
	}
	outputs := readOutputs(t, out)[0]
	saved := 0
	for _, o := range outputs[:len(outputs)-1] {
		text := o["text"].(string)
		if !utf8.ValidString(text) {
			t.Errorf("saved text %q is cut inside a character", text)
		}
		saved += len(text)
	}
	if saved > 1000 || saved < 990 {
		t.Errorf("the notebook kept %d bytes of text, want at most 1000 and close to it", saved)
	}
	last := outputs[len(outputs)-1]["text"].(string)
	if !strings.Contains(last, "output truncated: ") || !strings.Contains(last, "MB not saved") {
		t.Errorf("the last output is %q, want the truncation line", last)
	}
}

// TestCellRecorderMergesStreams: consecutive text of one stream is one
// output; another stream or a display starts a new one.
func TestCellRecorderMergesStreams(t *testing.T) {
	r := &cellRecorder{log: io.Discard, limit: -1}
	r.Stream("stdout", "a")
	r.Stream("stdout", "b")
	r.Stream("stderr", "c")
	r.Display(display.Text("d"), "")
	r.Stream("stderr", "e")
	r.Stream("stderr", "f")
	r.finish()
	var got []string
	for _, o := range r.outputs {
		m := o.(map[string]any)
		if m["output_type"] == "stream" {
			got = append(got, m["name"].(string)+":"+m["text"].(string))
		} else {
			got = append(got, "display")
		}
	}
	if want := "stdout:ab stderr:c display stderr:ef"; strings.Join(got, " ") != want {
		t.Fatalf("outputs %q, want %q", strings.Join(got, " "), want)
	}
}

// TestProgressInALog: in a log that is not a terminal, a bar updated ten
// times a second for 12 s gets a plain line every 5 s and its final state,
// not a redraw at every update.
func TestProgressInALog(t *testing.T) {
	var log strings.Builder
	clock := time.Unix(0, 0)
	r := &cellRecorder{log: &log, limit: -1, now: func() time.Time { return clock }}
	id := display.NewID()
	r.Display(display.Text("step 0"), id)
	for i := 1; i <= 120; i++ {
		clock = clock.Add(100 * time.Millisecond)
		r.Update(display.Text("step "+strconv.Itoa(i)), id)
	}
	r.finish()
	got := log.String()
	if strings.ContainsAny(got, "\r\x1b") {
		t.Errorf("the log has terminal redraws: %q", got)
	}
	if want := "step 0\nstep 50\nstep 100\nstep 120\n"; got != want {
		t.Errorf("the log is %q, want %q", got, want)
	}
}

// TestProgressOnATerminal: on a terminal the bar is redrawn in place.
func TestProgressOnATerminal(t *testing.T) {
	var log strings.Builder
	r := &cellRecorder{log: &log, limit: -1, redraw: true}
	id := display.NewID()
	r.Display(display.Text("step 0"), id)
	r.Update(display.Text("step 1"), id)
	r.finish()
	if want := "\r\x1b[Kstep 0\r\x1b[Kstep 1\n"; log.String() != want {
		t.Errorf("the terminal got %q, want %q", log.String(), want)
	}
}
