package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestInstruction(t *testing.T) {
	seen := make(map[string]bool)
	for i := range 40 {
		term := fmt.Sprintf("term%d", i)
		s := instruction(devilWordings[:], term)
		if !strings.Contains(s, term) {
			t.Fatalf("instruction %q does not name %q", s, term)
		}
		if s != instruction(devilWordings[:], term) {
			t.Fatalf("the wording of %q changes from call to call", term)
		}
		seen[strings.Replace(s, term, "%s", 1)] = true
	}
	if len(seen) != len(devilWordings) {
		t.Errorf("40 terms used %d of the %d wordings", len(seen), len(devilWordings))
	}
	for _, term := range []string{"LL.D.", "R.I.P."} {
		if s := instruction(devilWordings[:], term); strings.HasSuffix(s, "..") {
			t.Errorf("instruction %q ends in two full stops", s)
		}
	}
	if s := instruction(jargonWordings[:], `/dev/null`); !strings.Contains(s, `"/dev/null"`) {
		t.Errorf("jargon instruction %q does not quote its term", s)
	}
}

func TestSplitRows(t *testing.T) {
	var rows []row
	for i := range 1000 {
		rows = append(rows, row{Instruction: fmt.Sprintf("Define the word w%d.", i), Output: "x"})
	}
	train, eval := splitRows(rows)
	if len(train)+len(eval) != len(rows) {
		t.Fatalf("%d + %d rows, want %d", len(train), len(eval), len(rows))
	}
	if len(eval) < 70 || len(eval) > 130 {
		t.Errorf("%d of 1000 rows in eval, want about %d", len(eval), 1000/evalShare)
	}
	inEval := make(map[string]bool)
	for _, r := range eval {
		inEval[r.Instruction] = true
	}
	// A row's side does not depend on the other rows.
	train2, eval2 := splitRows(rows[500:])
	for _, r := range eval2 {
		if !inEval[r.Instruction] {
			t.Fatalf("%q moved to eval when half the rows were removed", r.Instruction)
		}
	}
	for _, r := range train2 {
		if inEval[r.Instruction] {
			t.Fatalf("%q moved to train when half the rows were removed", r.Instruction)
		}
	}
}

func TestJSONLOutput(t *testing.T) {
	out, err := jsonlOutput("x.jsonl", []row{{Instruction: "What does \"<b>\" mean?", Output: "Bold & “quoted”."}, {Instruction: "b", Output: "c"}})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out.Data), "\n"), "\n")
	if len(lines) != 2 || out.Rows != 2 {
		t.Fatalf("%d lines, %d rows, want 2", len(lines), out.Rows)
	}
	if lines[0] != `{"instruction":"What does \"<b>\" mean?","input":"","output":"Bold & “quoted”."}` {
		t.Errorf("line 1 = %s", lines[0])
	}
	var r row
	if err := json.Unmarshal([]byte(lines[0]), &r); err != nil || r.Output != "Bold & “quoted”." {
		t.Errorf("line 1 does not read back: %v %+v", err, r)
	}
}
