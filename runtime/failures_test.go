package runtime

import (
	"math/rand"
	"strings"
	"testing"
)

// TestFailedCellsKeepTheSession is the reproduction of issue 12: a define
// followed by a compile error left a global without its slot in yaegi's
// frame, and the next cell panicked in Interpreter.Globals.
func TestFailedCellsKeepTheSession(t *testing.T) {
	s := newSession(t)
	for _, code := range []string{
		"p := 3; q := p + nope",
		"func report(tag string) { fmt.Println(tag) }",
	} {
		if res, _ := try(s, code); res.Err != nil && res.Err.Name == "InternalError" {
			t.Fatalf("cell %q: %s", code, res.Err)
		}
	}
	if got := value(t, s, "1+1"); got != "2" {
		t.Fatalf("1+1 = %s after a failed cell", got)
	}
}

// cellPool holds cells that fail in every way the runtime knows, and cells
// that succeed and leave state behind.
var cellPool = []string{
	"p := 3; q := p + nope",               // compile error after a define
	"a, b := 1, 2; c := undefinedName",    // undefined name
	"x := 1 +",                            // syntax error
	`panic("boom")`,                       // panic
	"var z []int; z[3] = 1",               // runtime error
	"func f() int { return g() }",         // undefined in a func
	"n := 1",                              // a global
	`n := "now a string"`,                 // re-declared with another type
	"n + 1",                               // fails when n is a string
	"type T struct{ A int }",              // a type
	"type T struct{ A, B int }",           // re-declared
	"func (t T) Sum() int { return t.A }", // a method
	"T{A: 2}.Sum()",                       // uses it
	"func report(tag string) { fmt.Println(tag) }",
	"report(n)",                               // fails when n is an int
	"m := map[string]int{}; m[k] = 1",         // undefined k
	"var w io.Writer = 3",                     // type error
	"os.Exit(3)",                              // ends the cell
	`s, err := strconv.Atoi("x"); v := s + w`, // define then undefined
	"ctx := 5",                                // ctx redeclared
	"for i := 0; i < 3; i++ { r, e := strconv.Atoi(\"1\"); _ = r; _ = e; undefinedInLoop() }",
}

// TestRandomFailuresKeepTheSession runs seeded random sequences of failing
// and succeeding cells and checks that after each the session still
// evaluates 1+1.
func TestRandomFailuresKeepTheSession(t *testing.T) {
	for seed := int64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewSource(seed))
		s := newSession(t)
		var ran []string
		for range 25 {
			code := cellPool[rng.Intn(len(cellPool))]
			ran = append(ran, code)
			res, _ := try(s, code)
			if res.Err != nil && res.Err.Name == "InternalError" {
				t.Fatalf("seed %d: cell %q: %s\ncells:\n%s", seed, code, res.Err, strings.Join(ran, "\n"))
			}
			res, _ = try(s, "1+1")
			if res.Err != nil || res.Value == nil || res.Value.Text() != "2" {
				t.Fatalf("seed %d: 1+1 after %q: %v %v\ncells:\n%s", seed, code, res.Err, res.Value, strings.Join(ran, "\n"))
			}
		}
	}
}

// TestUnknownPackageIsNamed: x.F with x neither a name of the notebook nor
// an importable package used to fail with yaegi's nil pointer.
func TestUnknownPackageIsNamed(t *testing.T) {
	s := newSession(t)
	res, _ := try(s, `f, err := safetensors.Open("x")`)
	if res.Err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"undefined: safetensors (in safetensors.Open)", "cells can import", "llama", "lora", "display"} {
		if !strings.Contains(res.Err.Value, want) {
			t.Errorf("error %q does not say %q", res.Err.Value, want)
		}
	}
	if strings.Contains(res.Err.Value, "nil pointer") {
		t.Errorf("error %q is yaegi's nil pointer", res.Err.Value)
	}
	// A name of the notebook, a package and a local of a func are no
	// unknown packages.
	run(t, s, "type T struct{ A int }\nvar v T\nfunc (t T) Get() int { return t.A }")
	run(t, s, `w := strings.ToUpper("a"); _ = w; _ = v.A; _ = T.Get`)
}
