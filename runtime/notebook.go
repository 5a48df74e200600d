package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/token"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/internal/atomicfile"
)

// RunOptions configures RunNotebook.
type RunOptions struct {
	// Output is where the executed notebook is written; "" writes none.
	Output string
	// Params assigns values to variables of the cell tagged "parameters",
	// in a cell inserted after it, as papermill does.
	Params []Param
	// AllowErrors runs every cell even after one fails.
	AllowErrors bool
	// Log receives a line per cell and the cells' output as they run (a
	// terminal). Nil discards it.
	Log io.Writer
	// MaxOutput is the most bytes of printed text that one cell keeps in the
	// written notebook; the rest is replaced by a line that says how much
	// was left out (the Log still gets all of it). Zero means
	// DefaultMaxOutput, a negative value no limit.
	MaxOutput int64
}

// DefaultMaxOutput is RunOptions.MaxOutput when it is not set: 10 MB a cell.
const DefaultMaxOutput = 10 << 20

// Param is a name=value given on the command line. A value that reads as
// a Go literal (a number, true, false, a quoted string) is used as is; any
// other value is a string.
type Param struct{ Name, Value string }

// ParseParam parses name=value.
func ParseParam(s string) (Param, error) {
	name, value, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || !token.IsIdentifier(name) {
		return Param{}, fmt.Errorf("parameter %q: want name=value with a Go identifier as the name", s)
	}
	return Param{name, value}, nil
}

// goValue returns the Go expression of a parameter's value.
func (p Param) goValue() string {
	v := strings.TrimSpace(p.Value)
	if v == "true" || v == "false" {
		return v
	}
	if _, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil {
		return v
	}
	if _, err := strconv.Unquote(v); err == nil && (strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "`")) {
		return v
	}
	return strconv.Quote(p.Value)
}

// ErrCell is returned by RunNotebook when a cell failed.
type ErrCell struct {
	Index int // of the cell in the notebook, from 0
	Err   *Error
}

func (e *ErrCell) Error() string {
	return fmt.Sprintf("cell %d failed: %s", e.Index+1, e.Err)
}

// RunNotebook executes the code cells of a notebook (nbformat 4) in order
// in the session, like `jupyter nbconvert --execute`, and writes the
// notebook with its outputs as nbformat 4.5: after each cell, so that a
// crash keeps what the cells before it did. Cells not run yet have no
// outputs. It stops at the first failing cell unless AllowErrors, writes
// the notebook either way, and returns an *ErrCell for the first failure.
func (s *Session) RunNotebook(ctx context.Context, path string, opts RunOptions) error {
	nb, err := readNotebook(path)
	if err != nil {
		return err
	}
	if len(opts.Params) > 0 {
		if err := nb.injectParams(opts.Params); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	terminal := isTerminal(log)
	limit := opts.MaxOutput
	if limit == 0 {
		limit = DefaultMaxOutput
	}
	code := 0
	for _, c := range nb.cells {
		if c.kind() == "code" {
			code++
			c["outputs"] = []any{}
			c["execution_count"] = nil
		}
	}
	save := func() error {
		if opts.Output == "" {
			return nil
		}
		return nb.write(opts.Output)
	}
	if err := save(); err != nil {
		return err
	}
	var failed *ErrCell
	n := 0
	for i, c := range nb.cells {
		if c.kind() != "code" {
			continue
		}
		n++
		if failed != nil && !opts.AllowErrors {
			continue
		}
		src := c.source()
		fmt.Fprintf(log, "── cell %d/%d ──────────────────────────────\n", n, code)
		out := &cellRecorder{log: log, limit: limit, redraw: terminal}
		start := time.Now()
		res := s.Execute(ctx, src, ExecOptions{Count: n, StoreHistory: true}, out)
		if res.Value != nil {
			out.add(map[string]any{"output_type": "execute_result", "execution_count": n, "data": res.Value.Data, "metadata": nonNilMap(res.Value.Metadata)})
			out.echo(res.Value.Text() + "\n")
		}
		if res.Page != nil {
			out.add(map[string]any{"output_type": "display_data", "data": res.Page.Data, "metadata": map[string]any{}})
			out.echo(res.Page.Text() + "\n")
		}
		if res.Err != nil {
			out.add(map[string]any{"output_type": "error", "ename": res.Err.Name, "evalue": res.Err.Value, "traceback": nonNilStrings(res.Err.Traceback)})
			out.echo(strings.Join(res.Err.Traceback, "\n") + "\n")
			if failed == nil {
				failed = &ErrCell{Index: i, Err: res.Err}
			}
		}
		out.finish()
		c["outputs"] = out.outputs
		c["execution_count"] = n
		meta, _ := c["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		meta["golora"] = map[string]any{"duration_s": time.Since(start).Seconds()}
		c["metadata"] = meta
		status := "ok"
		if res.Err != nil {
			status = res.Err.Name
		}
		fmt.Fprintf(log, "   cell %d: %s in %s\n", n, status, time.Since(start).Round(time.Millisecond))
		if ctx.Err() != nil && failed == nil {
			failed = &ErrCell{Index: i, Err: interruptedError(nil)}
		}
		if err := save(); err != nil {
			return err
		}
	}
	if failed != nil {
		return failed
	}
	return nil
}

// notebook is a notebook read as plain JSON, so that everything it holds
// that golora does not know survives the round trip.
type notebook struct {
	doc   map[string]any
	cells []cell
}

type cell map[string]any

func (c cell) kind() string { s, _ := c["cell_type"].(string); return s }

func (c cell) source() string {
	switch v := c["source"].(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, l := range v {
			s, _ := l.(string)
			b.WriteString(s)
		}
		return b.String()
	}
	return ""
}

func (c cell) tags() []string {
	meta, _ := c["metadata"].(map[string]any)
	list, _ := meta["tags"].([]any)
	var out []string
	for _, t := range list {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func readNotebook(path string) (*notebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("notebook: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("notebook %s is not valid JSON: %w", path, err)
	}
	if v, _ := doc["nbformat"].(float64); v != 4 {
		return nil, fmt.Errorf("notebook %s: nbformat %v is not supported (want 4; convert it with jupyter nbconvert --to notebook)", path, doc["nbformat"])
	}
	list, ok := doc["cells"].([]any)
	if !ok {
		return nil, fmt.Errorf("notebook %s has no cells list", path)
	}
	nb := &notebook{doc: doc}
	for i, c := range list {
		m, ok := c.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("notebook %s: cell %d is not an object", path, i+1)
		}
		nb.cells = append(nb.cells, cell(m))
	}
	return nb, nil
}

// injectParams inserts a cell after the one tagged "parameters" that sets
// the parameters; without such a cell, it declares them in a first cell.
func (nb *notebook) injectParams(params []Param) error {
	at, op := 0, ":="
	var declared map[string]bool
	for i, c := range nb.cells {
		if c.kind() == "code" && contains(c.tags(), "parameters") {
			at, op = i+1, "="
			declared = map[string]bool{}
			for _, it := range splitItems(c.source()) {
				for _, name := range namesIn(c.source()[it.start:it.end]) {
					declared[name] = true
				}
			}
			break
		}
	}
	var b strings.Builder
	b.WriteString("// Parameters given to golora run.\n")
	for _, p := range params {
		if declared != nil && !declared[p.Name] {
			return fmt.Errorf("parameter %s is not declared in the cell tagged \"parameters\": declare it there (%s := …) or drop -p %s", p.Name, p.Name, p.Name)
		}
		fmt.Fprintf(&b, "%s %s %s\n", p.Name, op, p.goValue())
	}
	injected := cell{"cell_type": "code", "id": newCellID(), "execution_count": nil, "outputs": []any{},
		"metadata": map[string]any{"tags": []any{"injected-parameters"}}, "source": b.String()}
	nb.cells = append(nb.cells[:at], append([]cell{injected}, nb.cells[at:]...)...)
	return nil
}

// namesIn returns the names a piece of cell source declares at top level.
func namesIn(src string) []string {
	fset := token.NewFileSet()
	if stmts, _, err := parseStmts(fset, "p", 1, 1, src); err == nil {
		var names []string
		for _, st := range stmts {
			names = append(names, definedNames(st)...)
		}
		return names
	}
	if d, _, err := parseDecl(fset, "p", 1, 1, "", src); err == nil {
		return definedNames(d)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func newCellID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// write saves the notebook as nbformat 4.5, atomically: a temporary file
// in the same folder, then a rename, so that an interrupted write never
// leaves half a notebook.
func (nb *notebook) write(path string) error {
	cells := make([]any, len(nb.cells))
	for i, c := range nb.cells {
		if _, ok := c["id"].(string); !ok {
			c["id"] = newCellID()
		}
		if c.kind() != "code" {
			delete(c, "outputs")
			delete(c, "execution_count")
		}
		cells[i] = map[string]any(c)
	}
	nb.doc["cells"] = cells
	nb.doc["nbformat"] = 4
	nb.doc["nbformat_minor"] = 5
	meta, _ := nb.doc["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		nb.doc["metadata"] = meta
	}
	if _, ok := meta["kernelspec"]; !ok {
		meta["kernelspec"] = map[string]any{"name": "golora", "display_name": "Go (golora)", "language": "go"}
	}
	meta["language_info"] = map[string]any{"name": "go", "file_extension": ".go", "mimetype": "text/x-go", "pygments_lexer": "go", "codemirror_mode": "go"}
	data, err := json.MarshalIndent(nb.doc, "", " ")
	if err != nil {
		return fmt.Errorf("notebook %s: %w", path, err)
	}
	if err := atomicfile.Write(path, append(data, '\n')); err != nil {
		return fmt.Errorf("notebook %s: %w", path, err)
	}
	return nil
}

// cellRecorder is the Output of a cell run by RunNotebook: it keeps the
// outputs in notebook form, merging consecutive stream text, replacing
// updated displays in place, and echoes text to a log.
type cellRecorder struct {
	log     io.Writer
	outputs []any
	// text collects the text of the last output while it is a stream, so
	// that a cell printing in many pieces costs the size of its output.
	text       *strings.Builder
	limit      int64 // bytes of stream text kept; negative: no limit
	saved      int64
	dropped    int64
	ids        map[display.ID]int
	clearWait  bool
	liveID     display.ID // the display last echoed, redrawn in place
	liveOnLine bool

	// redraw redraws a progress bar in place, for a terminal. Otherwise (a
	// log file) a bar gets a line at most every logProgressGap, and its
	// latest state when other text comes or the cell ends.
	redraw  bool
	now     func() time.Time // time.Now; tests replace it
	shownAt map[display.ID]time.Time
	pending map[display.ID]string
	order   []display.ID // of the bars in pending, as they first came
}

// logProgressGap is the shortest time between two lines of one progress
// bar in a log.
const logProgressGap = 5 * time.Second

func (r *cellRecorder) add(o map[string]any) {
	r.closeText()
	if r.clearWait {
		r.outputs, r.ids, r.clearWait = nil, nil, false
	}
	r.outputs = append(r.outputs, o)
}

// closeText stores the collected text in the last stream output.
func (r *cellRecorder) closeText() {
	if r.text == nil {
		return
	}
	r.outputs[len(r.outputs)-1].(map[string]any)["text"] = r.text.String()
	r.text = nil
}

func (r *cellRecorder) Stream(name, text string) {
	r.echo(text)
	text = r.keep(text)
	if text == "" {
		return
	}
	if n := len(r.outputs); r.text != nil && !r.clearWait {
		if last := r.outputs[n-1].(map[string]any); last["name"] == name {
			r.text.WriteString(text)
			return
		}
	}
	r.add(map[string]any{"output_type": "stream", "name": name, "text": ""})
	r.text = &strings.Builder{}
	r.text.WriteString(text)
}

// keep returns the part of text that fits under the cell's limit, and
// counts the rest as dropped.
func (r *cellRecorder) keep(text string) string {
	if r.limit < 0 {
		return text
	}
	room := max(0, r.limit-r.saved)
	if int64(len(text)) <= room {
		r.saved += int64(len(text))
		return text
	}
	cut := int(room)
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	r.saved += int64(cut)
	r.dropped += int64(len(text) - cut)
	return text[:cut]
}

func (r *cellRecorder) Display(b display.Bundle, id display.ID) {
	r.add(map[string]any{"output_type": "display_data", "data": b.Data, "metadata": nonNilMap(b.Metadata)})
	if id != "" {
		if r.ids == nil {
			r.ids = map[display.ID]int{}
		}
		r.ids[id] = len(r.outputs) - 1
	}
	r.echoDisplay(b, id)
}

func (r *cellRecorder) Update(b display.Bundle, id display.ID) {
	if i, ok := r.ids[id]; ok {
		r.outputs[i] = map[string]any{"output_type": "display_data", "data": b.Data, "metadata": nonNilMap(b.Metadata)}
	}
	r.echoDisplay(b, id)
}

func (r *cellRecorder) ClearOutput(wait bool) {
	r.closeText()
	if wait {
		r.clearWait = true
		return
	}
	r.outputs, r.ids = nil, nil
}

func (r *cellRecorder) Input(context.Context, string, bool) (string, error) {
	return "", ErrNoInput
}

// echo writes cell text to the log, ending a display redrawn in place.
func (r *cellRecorder) echo(text string) {
	r.flushBars()
	if r.liveOnLine {
		io.WriteString(r.log, "\n")
		r.liveOnLine = false
	}
	io.WriteString(r.log, text)
}

// echoDisplay shows a display's text in the log; an updatable one-line
// display (a progress bar) is redrawn on its line.
func (r *cellRecorder) echoDisplay(b display.Bundle, id display.ID) {
	text := b.Text()
	if id != "" && !strings.Contains(text, "\n") && !r.redraw {
		r.logBar(id, text)
		return
	}
	if id != "" && !strings.Contains(text, "\n") {
		if r.liveOnLine && r.liveID != id {
			io.WriteString(r.log, "\n")
		}
		fmt.Fprintf(r.log, "\r\x1b[K%s", text)
		r.liveID, r.liveOnLine = id, true
		return
	}
	r.echo(text + "\n")
}

// logBar writes a line of a bar to a log, or keeps it for later when the
// bar had a line less than logProgressGap ago.
func (r *cellRecorder) logBar(id display.ID, text string) {
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	t := now()
	if last, ok := r.shownAt[id]; ok && t.Sub(last) < logProgressGap {
		if r.pending == nil {
			r.pending = map[display.ID]string{}
		}
		if _, ok := r.pending[id]; !ok {
			r.order = append(r.order, id)
		}
		r.pending[id] = text
		return
	}
	if r.shownAt == nil {
		r.shownAt = map[display.ID]time.Time{}
	}
	r.shownAt[id] = t
	if _, ok := r.pending[id]; ok {
		delete(r.pending, id)
		r.order = slices.DeleteFunc(r.order, func(x display.ID) bool { return x == id })
	}
	io.WriteString(r.log, text+"\n")
}

// flushBars writes the latest state of the bars that have one not written.
func (r *cellRecorder) flushBars() {
	for _, id := range r.order {
		io.WriteString(r.log, r.pending[id]+"\n")
	}
	r.pending, r.order = nil, nil
}

func (r *cellRecorder) finish() {
	r.flushBars()
	if r.liveOnLine {
		io.WriteString(r.log, "\n")
		r.liveOnLine = false
	}
	r.closeText()
	if r.dropped > 0 {
		r.add(map[string]any{"output_type": "stream", "name": "stderr", "text": fmt.Sprintf(
			"golora: output truncated: %.1f MB not saved in the notebook (it kept the first %.1f MB; golora run --max-output-mb raises the limit)\n",
			float64(r.dropped)/(1<<20), float64(r.saved)/(1<<20))})
	}
	if r.outputs == nil {
		r.outputs = []any{}
	}
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// isTerminal reports whether w is a terminal, where a progress bar can be
// redrawn in place.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
