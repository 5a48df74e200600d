package runtime

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golora/golora/builtins/display"
	"github.com/golora/golora/cell"
)

// recorder is a cell.Output that keeps what a cell produced.
type recorder struct {
	mu       sync.Mutex
	stdout   strings.Builder
	stderr   strings.Builder
	displays []display.Bundle
	updates  []display.Bundle
	clears   int
	inputs   []string
	prompts  []string
	noInput  bool
}

func (r *recorder) Stream(name, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if name == "stdout" {
		r.stdout.WriteString(text)
	} else {
		r.stderr.WriteString(text)
	}
}
func (r *recorder) Display(b display.Bundle, id display.ID) {
	r.mu.Lock()
	r.displays = append(r.displays, b)
	r.mu.Unlock()
}
func (r *recorder) Update(b display.Bundle, id display.ID) {
	r.mu.Lock()
	r.updates = append(r.updates, b)
	r.mu.Unlock()
}
func (r *recorder) ClearOutput(bool) { r.mu.Lock(); r.clears++; r.mu.Unlock() }
func (r *recorder) Input(_ context.Context, prompt string, _ bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.noInput {
		return "", cell.ErrNoInput
	}
	r.prompts = append(r.prompts, prompt)
	if len(r.inputs) == 0 {
		return "", cell.ErrNoInput
	}
	in := r.inputs[0]
	r.inputs = r.inputs[1:]
	return in, nil
}

func newSession(t *testing.T) *Session {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var count int

// run executes a cell and fails the test if it errs.
func run(t *testing.T, s *Session, code string) (cell.Outcome, *recorder) {
	t.Helper()
	res, rec := try(s, code)
	if res.Err != nil {
		t.Fatalf("cell %q failed: %s\n%s", code, res.Err, strings.Join(res.Err.Traceback, "\n"))
	}
	return res, rec
}

func try(s *Session, code string) (cell.Outcome, *recorder) {
	rec := &recorder{}
	count++
	res := s.Execute(context.Background(), code, cell.ExecOptions{Count: count, StoreHistory: true}, rec)
	return res, rec
}

func value(t *testing.T, s *Session, code string) string {
	t.Helper()
	res, _ := run(t, s, code)
	if res.Value == nil {
		return "<no value>"
	}
	return res.Value.Text()
}

func TestValuesAndState(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct{ code, want string }{
		{`x := 41`, "<no value>"},
		{`x + 1`, "42"},
		{`func double(n int) int { return n * 2 }`, "<no value>"},
		{`double(21)`, "42"},
		{`"hi"`, `"hi"`},
		{`fmt.Println("hello")`, "<no value>"},
		{`strconv.Atoi("17")`, "17"},
		{`strconv.Atoi("x")`, `(0, strconv.Atoi: parsing "x": invalid syntax)`},
		{`os.Setenv("GOLORA_T", "1")`, "<no value>"},
		{`errors.New("bad")`, "bad"},
		{`var e error
e`, "<nil>"},
		{`import "strings"
strings.ToUpper("a")`, `"A"`},
		{`strings.Repeat("ab", 2)`, `"abab"`},
		{`type P struct{ X, Y int }
P{1, 2}`, "{1 2}"},
		{`func pair() (int, string) { return 1, "a" }
pair()`, `(1, "a")`},
	} {
		if got := value(t, s, c.code); got != c.want {
			t.Errorf("cell %q = %s, want %s", c.code, got, c.want)
		}
	}
}

func TestStdoutStreams(t *testing.T) {
	s := newSession(t)
	_, rec := run(t, s, `fmt.Println("hello, world")
fmt.Printf("%d\n", 3)`)
	if got := rec.stdout.String(); got != "hello, world\n3\n" {
		t.Errorf("stdout %q", got)
	}
	_, rec = run(t, s, `log.SetFlags(0); log.Print("to stderr")`)
	if got := rec.stderr.String(); got != "to stderr\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestRedeclarations(t *testing.T) {
	s := newSession(t)
	run(t, s, `import "fmt"`)
	run(t, s, `import "fmt"`)
	run(t, s, `type T struct{ A int }`)
	run(t, s, `func (t T) Sum() int { return t.A }`)
	run(t, s, `func total(ts []T) int { n := 0; for _, t := range ts { n += t.Sum() }; return n }`)
	if got := value(t, s, `total([]T{{1}, {2}})`); got != "3" {
		t.Errorf("total = %s", got)
	}
	run(t, s, `type T struct{ A, B int }`)
	if got := value(t, s, `T{1, 2}.B`); got != "2" {
		t.Errorf("re-declared type: T{1,2}.B = %s", got)
	}
	if got := value(t, s, `T{1, 2}.Sum()`); got != "1" {
		t.Errorf("method carried to the new type: %s", got)
	}
	run(t, s, `func (t T) Sum() int { return t.A + t.B }`)
	if got := value(t, s, `T{1, 2}.Sum()`); got != "3" {
		t.Errorf("re-declared method: %s", got)
	}
	if got := value(t, s, `total([]T{{1, 2}, {3, 4}})`); got != "10" {
		t.Errorf("func using the re-declared type and method: %s", got)
	}
	// A re-declared func reaches its callers.
	run(t, s, `func f() int { return 1 }`)
	run(t, s, `func g() int { return f() * 10 }`)
	run(t, s, `func f() int { return 2 }`)
	if got := value(t, s, `g()`); got != "20" {
		t.Errorf("caller of re-declared func: g() = %s", got)
	}
	// Vars keep their identity.
	run(t, s, `var z = 5`)
	run(t, s, `func getz() int { return z }`)
	run(t, s, `z = 9`)
	if got := value(t, s, `getz()`); got != "9" {
		t.Errorf("getz() = %s", got)
	}
	run(t, s, `var z = 7`)
	if got := value(t, s, `getz()`); got != "7" {
		t.Errorf("after var z = 7: getz() = %s", got)
	}
	run(t, s, `x := 1`)
	run(t, s, `func getx() int { return x }`)
	run(t, s, `x := 2`)
	if got := value(t, s, `getx()`); got != "2" {
		t.Errorf("after x := 2: getx() = %s", got)
	}
	run(t, s, `x := "now a string"`)
	if got := value(t, s, `x`); got != `"now a string"` {
		t.Errorf("x = %s", got)
	}
	run(t, s, `const c = 1`)
	run(t, s, `func getc() int { return c }`)
	run(t, s, `const c = 2`)
	if got := value(t, s, `getc()`); got != "2" {
		t.Errorf("getc() = %s", got)
	}
	// Running the same cell again changes nothing.
	cell := `type Q struct{ N int }
func (q Q) Twice() int { return 2 * q.N }
q := Q{4}
q.Twice()`
	for i := 0; i < 3; i++ {
		if got := value(t, s, cell); got != "8" {
			t.Fatalf("run %d: %s", i, got)
		}
	}
}

func TestMultiValueDefineInBlocks(t *testing.T) {
	s := newSession(t)
	if got := value(t, s, `var total int
for _, w := range []string{"1", "22", "333"} {
	n, err := strconv.Atoi(w)
	if err != nil {
		panic(err)
	}
	total += n
}
total`); got != "356" {
		t.Errorf("total = %s", got)
	}
	// A wrapped statement at the end of a cell has no value.
	if got := value(t, s, `for _, w := range []string{"1"} {
	n, _ := strconv.Atoi(w)
	total += n
}`); got != "<no value>" {
		t.Errorf("loop as last statement has value %s", got)
	}
}

func TestMixedCell(t *testing.T) {
	s := newSession(t)
	if got := value(t, s, `import "strings"
var greeting = "hi"
n := len(greeting)
func shout(s string) string { return strings.ToUpper(s) + "!" }
shout(greeting) + strconv.Itoa(n)`); got != `"HI!2"` {
		t.Errorf("got %s", got)
	}
}

func TestErrors(t *testing.T) {
	s := newSession(t)
	run(t, s, `x := 41`)
	res, rec := try(s, `fmt.Println("before")
func boom() { panic("boom") }
boom()`)
	if res.Err == nil || res.Err.Name != "Panic" || res.Err.Value != "boom" {
		t.Fatalf("panic: %+v", res.Err)
	}
	tb := strings.Join(res.Err.Traceback, "\n")
	if !strings.Contains(tb, "line 2, in boom") || !strings.Contains(tb, "line 3, in <cell>") {
		t.Errorf("traceback lacks the cell lines:\n%s", tb)
	}
	if rec.stderr.Len() != 0 {
		t.Errorf("panic trace leaked to stderr: %q", rec.stderr.String())
	}
	if got := value(t, s, "x"); got != "41" {
		t.Errorf("state lost after panic: x = %s", got)
	}
	res, _ = try(s, "x := \nfunc (")
	if res.Err == nil || res.Err.Name != "SyntaxError" {
		t.Fatalf("syntax error: %+v", res.Err)
	}
	res, _ = try(s, "undefinedThing + 1")
	if res.Err == nil || res.Err.Name != "CompileError" || !strings.Contains(res.Err.Value, "undefined") {
		t.Fatalf("compile error: %+v", res.Err)
	}
	res, _ = try(s, "os.Exit(3)")
	if res.Err == nil || res.Err.Name != "Exit" {
		t.Fatalf("os.Exit: %+v", res.Err)
	}
	res, _ = try(s, `var m map[string]int
m["a"] = 1`)
	if res.Err == nil || res.Err.Name != "RuntimeError" {
		t.Fatalf("nil map: %+v", res.Err)
	}
}

func TestInterrupt(t *testing.T) {
	s := newSession(t)
	run(t, s, `x := 41`)
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.Interrupt()
	}()
	start := time.Now()
	res, _ := try(s, `for {}`)
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("for {}: %+v", res.Err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupt took %s", d)
	}
	if got := value(t, s, "x + 1"); got != "42" {
		t.Errorf("state after interrupt: %s", got)
	}
	// ctx is cancelled by the interrupt.
	go func() {
		time.Sleep(200 * time.Millisecond)
		s.Interrupt()
	}()
	res, _ = try(s, `<-ctx.Done()
fmt.Println("unreachable?")`)
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("ctx wait: %+v", res.Err)
	}
}

func TestInput(t *testing.T) {
	s := newSession(t)
	rec := &recorder{inputs: []string{"Ada"}}
	res := s.Execute(context.Background(), `var name string
fmt.Scanln(&name)
"hello " + name`, cell.ExecOptions{Count: 1}, rec)
	if res.Err != nil || res.Value == nil || res.Value.Text() != `"hello Ada"` {
		t.Fatalf("input: %+v %v", res.Value, res.Err)
	}
	rec = &recorder{noInput: true}
	res = s.Execute(context.Background(), `_, err := fmt.Scanln(&name)
err`, cell.ExecOptions{Count: 2}, rec)
	if res.Value == nil || !strings.Contains(res.Value.Text(), "does not accept input") {
		t.Fatalf("no stdin: %+v %v", res.Value, res.Err)
	}
	if !strings.Contains(rec.stderr.String(), "the cell reads standard input") {
		t.Errorf("no note on stderr: %q", rec.stderr.String())
	}
}

func TestMagics(t *testing.T) {
	s := newSession(t)
	_, rec := run(t, s, "%env GOLORA_MAGIC=yes")
	if !strings.Contains(rec.stdout.String(), "GOLORA_MAGIC=yes") {
		t.Errorf("%%env: %q", rec.stdout.String())
	}
	if got := value(t, s, `os.Getenv("GOLORA_MAGIC")`); got != `"yes"` {
		t.Errorf("env not set: %s", got)
	}
	_, rec = run(t, s, "%time\nx := 1\nfmt.Println(x)")
	if !strings.Contains(rec.stdout.String(), "Wall time:") {
		t.Errorf("%%time: %q", rec.stdout.String())
	}
	_, rec = run(t, s, "!echo from-shell")
	if !strings.Contains(rec.stdout.String(), "from-shell") {
		t.Errorf("!cmd stdout: %q", rec.stdout.String())
	}
	dir := t.TempDir()
	run(t, s, "%cd "+dir)
	if got := value(t, s, `wd, _ := os.Getwd()
wd`); got != `"`+dir+`"` {
		t.Errorf("%%cd: %s", got)
	}
	run(t, s, "%reset")
	if res, _ := try(s, "x"); res.Err == nil {
		t.Errorf("x survived %%reset")
	}
	res, _ := try(s, "%nosuch")
	if res.Err == nil || res.Err.Name != "UsageError" {
		t.Errorf("unknown magic: %+v", res.Err)
	}
}

func TestInspectAndComplete(t *testing.T) {
	s := newSession(t)
	b, ok := s.Inspect("strings.ToUpper", 10, false)
	if !ok || !strings.Contains(b.Text(), "func ToUpper(s string) string") {
		t.Errorf("inspect strings.ToUpper: %v %q", ok, b.Text())
	}
	b, ok = s.Inspect("x := strings.ToUpper(", 21, false)
	if !ok || !strings.Contains(b.Text(), "ToUpper") {
		t.Errorf("inspect inside call: %v %q", ok, b.Text())
	}
	res, _ := run(t, s, "strings.ToUpper?")
	if res.Page == nil || !strings.Contains(res.Page.Text(), "upper case") {
		t.Errorf("page: %+v", res.Page)
	}
	c := s.Complete("strings.ToUp", 12)
	if strings.Join(c.Matches, ",") != "ToUpper,ToUpperSpecial" || c.Start != 8 || c.End != 12 {
		t.Errorf("complete strings.ToUp: %+v", c)
	}
	c = s.Complete("fmt.Prin", 8)
	if strings.Join(c.Matches, ",") != "Print,Printf,Println" {
		t.Errorf("complete fmt.Prin: %+v", c)
	}
	run(t, s, "myVariable := 3\nfunc myFunc() {}")
	c = s.Complete("my", 2)
	if strings.Join(c.Matches, ",") != "myFunc,myVariable" {
		t.Errorf("complete user names: %+v", c)
	}
}

func TestIsComplete(t *testing.T) {
	s := newSession(t)
	for code, want := range map[string]string{
		"x := 1":     "complete",
		"func f() {": "incomplete",
		"for i := 0; i < 3; i++ {\n  fmt.Println(i)": "incomplete",
		"s := `raw": "incomplete",
		"x := 1 +":  "incomplete",
		"x := )":    "invalid",
		"%time":     "complete",
		"":          "complete",
	} {
		if got, _ := s.IsComplete(code); got != want {
			t.Errorf("IsComplete(%q) = %s, want %s", code, got, want)
		}
	}
}

func TestHistory(t *testing.T) {
	s := newSession(t)
	for i, code := range []string{"1+1", "2+2", "1+1"} {
		s.Execute(context.Background(), code, cell.ExecOptions{Count: i + 1, StoreHistory: true}, &recorder{})
	}
	if got := s.History(cell.HistoryQuery{AccessType: "tail", N: 2}); len(got) != 2 || got[0].Input != "2+2" || got[1].Output != "2" {
		t.Errorf("tail: %+v", got)
	}
	if got := s.History(cell.HistoryQuery{AccessType: "range", Session: 1, Start: 2, Stop: 3}); len(got) != 1 || got[0].Line != 2 {
		t.Errorf("range: %+v", got)
	}
	if got := s.History(cell.HistoryQuery{AccessType: "search", Pattern: "1+*", Unique: true}); len(got) != 1 || got[0].Line != 3 {
		t.Errorf("search unique: %+v", got)
	}
	if got := s.History(cell.HistoryQuery{AccessType: "search", Pattern: "*", N: 2}); len(got) != 2 {
		t.Errorf("search n: %+v", got)
	}
}

func TestRichValues(t *testing.T) {
	s := newSession(t)
	res, _ := run(t, s, `plot.Schedulers(10, 100, "linear", "cosine")`)
	if res.Value == nil || res.Value.Data[display.MIMEPNG] == nil {
		t.Fatalf("figure as last expression: %+v", res.Value)
	}
	res, _ = run(t, s, `display.Table([]string{"a"}, [][]string{{"1"}})`)
	if res.Value == nil || res.Value.Data[display.MIMEHTML] == nil {
		t.Fatalf("table as last expression: %+v", res.Value)
	}
	res, _ = run(t, s, `sched.New("nope", 1e-3, 1, 10)`)
	if res.Value == nil || !strings.Contains(res.Value.Text(), "unknown schedule") {
		t.Fatalf("(nil, error) as last expression: %+v", res.Value)
	}
	_, rec := run(t, s, `display.Show(display.Markdown("# hi"))`)
	if len(rec.displays) != 1 || rec.displays[0].Data[display.MIMEMarkdown] != "# hi" {
		t.Fatalf("Show: %+v", rec.displays)
	}
}

func TestProgressShowsWhereAnInterruptStopped(t *testing.T) {
	s := newSession(t)
	go func() {
		time.Sleep(300 * time.Millisecond)
		s.Interrupt()
	}()
	res, rec := try(s, `bar := display.Progress(1000, "steps")
for i := 0; ; i++ {
	time.Sleep(5 * time.Millisecond)
	bar.Add(1)
}`)
	if res.Err == nil || res.Err.Name != "Interrupted" {
		t.Fatalf("want Interrupted, got %+v", res.Err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	all := append(append([]display.Bundle{}, rec.displays...), rec.updates...)
	last := all[len(all)-1].Text()
	if !strings.Contains(last, "interrupted") || strings.Contains(last, " 0/1000") {
		t.Errorf("last state of the bar: %q", last)
	}
}

func TestInterpreterPanicIsAnError(t *testing.T) {
	s := newSession(t)
	// yaegi v0.16.1 panics with a nil pointer when it types this global
	// define; compile must turn that into an error, not crash the kernel.
	run(t, s, `ps := rawtext.Chunks{{IDs: []int{1, 2}}, {IDs: []int{3}}}`)
	stmts, _, err := parseStmts(s.in.FileSet(), s.file, 1, 1, `x := ps[1].IDs`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.compile(s.block(stmts...))
	if err == nil {
		t.Fatal("yaegi compiles it now: this test no longer tests the recovery; find another construct")
	}
	if !strings.Contains(err.Error(), "yaegi") {
		t.Errorf("error %v", err)
	}
}

func TestDefineFromCompiledSliceElements(t *testing.T) {
	s := newSession(t)
	run(t, s, `ps := rawtext.Chunks{{IDs: []int{1, 2}, Text: "ab"}, {IDs: []int{3}}}`)
	run(t, s, `p := ps[0]
ids := ps[1].IDs`)
	if got := value(t, s, `p.Text`); got != `"ab"` {
		t.Errorf("p.Text = %s", got)
	}
	if got := value(t, s, `len(ids) + len(p.IDs)`); got != "3" {
		t.Errorf("lengths = %s", got)
	}
}
