package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite "+chatName+" and its MANIFEST.json entry from the committed "+chatSource)

// TestCommittedChat makes the conversation dataset from the committed
// training rows and compares it with the committed file; with -update it
// writes the file and its manifest entry instead.
func TestCommittedChat(t *testing.T) {
	out, err := buildChat([]byte(readData(t, chatSource)))
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		writeChat(t, out)
	}
	if have := readData(t, chatName); have != string(out.Data) {
		t.Errorf("%s differs from what the builder makes from %s (rebuild: go test ./datasets/build -run TestCommittedChat -update)", chatName, chatSource)
	}
}

// writeChat writes out and puts its entry in the manifest, leaving the
// others as they are.
func writeChat(t *testing.T, out output) {
	if err := os.WriteFile(filepath.Join(dataDir, out.Path), out.Data, 0o644); err != nil {
		t.Fatal(err)
	}
	m := readManifest(t)
	m.Outputs = slices.DeleteFunc(m.Outputs, func(o outputFile) bool { return o.Path == out.Path })
	m.Outputs = append(m.Outputs, outputFile{Path: out.Path, Bytes: len(out.Data), Rows: out.Rows, SHA256: sha256Hex(out.Data)})
	sort.Slice(m.Outputs, func(i, j int) bool { return m.Outputs[i].Path < m.Outputs[j].Path })
	data, err := encodeManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, manifestName), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestManifestEncoding checks that the manifest reads back to the same
// bytes, so that -update changes only the conversation dataset's entry.
func TestManifestEncoding(t *testing.T) {
	data, err := encodeManifest(readManifest(t))
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != readData(t, manifestName) {
		t.Errorf("%s does not read back to the same bytes", manifestName)
	}
}

// TestChatShape checks the committed conversations: 100 to 300, under
// 200 KB, 1 to 3 questions each answered by the definition the training
// rows give for them, about a third with a system prompt, no row of the
// evaluation set, no row twice.
func TestChatShape(t *testing.T) {
	answers := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(readData(t, chatSource), "\n"), "\n") {
		var r row
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		answers[r.Instruction] = r.Output
	}
	data := readData(t, chatName)
	if len(data) > 200_000 {
		t.Errorf("%s is %d bytes, want under 200 KB", chatName, len(data))
	}
	seen := map[string]bool{}
	conversations, system := 0, 0
	sc := bufio.NewScanner(strings.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		conversations++
		var c struct {
			Messages []message `json:"messages"`
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s:%d: %v", chatName, line, err)
		}
		turns := c.Messages
		if len(turns) > 0 && turns[0].Role == "system" {
			system++
			if !slices.Contains(chatSystemPrompts[:], turns[0].Content) {
				t.Errorf("%s:%d: system prompt %q", chatName, line, turns[0].Content)
			}
			turns = turns[1:]
		}
		if len(turns) < 2 || len(turns) > 2*chatMaxExchanges || len(turns)%2 != 0 {
			t.Errorf("%s:%d: %d turns after the system prompt, want 1 to %d questions and answers", chatName, line, len(turns), chatMaxExchanges)
			continue
		}
		for k := 0; k < len(turns); k += 2 {
			q, a := turns[k], turns[k+1]
			want, ok := answers[q.Content]
			if q.Role != "user" || a.Role != "assistant" || !ok || a.Content != want {
				t.Errorf("%s:%d: turns %d and %d are not a question of %s and its definition: %+v %+v", chatName, line, k, k+1, chatSource, q, a)
			}
			if seen[q.Content] {
				t.Errorf("%s:%d: %q is asked twice", chatName, line, q.Content)
			}
			seen[q.Content] = true
		}
	}
	if conversations < 100 || conversations > 300 {
		t.Errorf("%d conversations, want 100 to 300", conversations)
	}
	if system*5 < conversations || system*2 > conversations {
		t.Errorf("%d of %d conversations have a system prompt, want about a third", system, conversations)
	}
	for _, line := range strings.Split(readData(t, "dictionary-eval.jsonl"), "\n") {
		var r row
		if json.Unmarshal([]byte(line), &r) == nil && seen[r.Instruction] {
			t.Errorf("%q of the evaluation set is in %s", r.Instruction, chatName)
		}
	}
}
