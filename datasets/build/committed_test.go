package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dataDir is the datasets folder, where the builder's outputs are committed.
const dataDir = ".."

func readManifest(t *testing.T) manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dataDir, manifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", manifestName, err)
	}
	return m
}

func readData(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestCommittedFilesMatchManifest checks every committed data file against
// the sha256, size and row count the builder recorded, and that no data
// file is there that the builder did not make.
func TestCommittedFilesMatchManifest(t *testing.T) {
	m := readManifest(t)
	listed := make(map[string]bool)
	for _, o := range m.Outputs {
		listed[o.Path] = true
		data := readData(t, o.Path)
		if got := sha256Hex([]byte(data)); got != o.SHA256 || len(data) != o.Bytes {
			t.Errorf("%s: sha256 %s and %d bytes, the manifest says %s and %d (rebuild: go run ./datasets/build -debs DIR)", o.Path, got, len(data), o.SHA256, o.Bytes)
		}
		if got := strings.Count(data, "\n"); got != o.Rows {
			t.Errorf("%s: %d rows, the manifest says %d", o.Path, got, o.Rows)
		}
	}
	for _, pattern := range []string{"*.jsonl", "pretrain/*", "heldout/*"} {
		found, _ := filepath.Glob(filepath.Join(dataDir, pattern))
		for _, f := range found {
			rel, _ := filepath.Rel(dataDir, f)
			if !listed[filepath.ToSlash(rel)] {
				t.Errorf("%s is not in %s: the builder does not make it", rel, manifestName)
			}
		}
	}
}

// TestCommittedJSONL checks that every row of the instruction sets is an
// Alpaca object with an instruction, an empty input and a short output, and
// that train and eval share no instruction (a word with two entries, such as
// "reason" the verb and the noun, has two rows, on the same side).
func TestCommittedJSONL(t *testing.T) {
	instructions := make(map[string]string)
	for _, name := range []string{"devil.jsonl", "jargon.jsonl", "dictionary-train.jsonl", "dictionary-eval.jsonl"} {
		sc := bufio.NewScanner(strings.NewReader(readData(t, name)))
		for line := 1; sc.Scan(); line++ {
			var r map[string]string
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatalf("%s:%d: %v", name, line, err)
			}
			if len(r) != 3 || r["instruction"] == "" || r["input"] != "" || r["output"] == "" || len([]rune(r["output"])) > maxDefinition {
				t.Errorf("%s:%d: not an instruction, empty input and an output of at most %d characters: %s", name, line, maxDefinition, sc.Text())
			}
			if strings.HasPrefix(name, "dictionary-") {
				if other, dup := instructions[r["instruction"]]; dup && other != name {
					t.Errorf("%s:%d: %q is also in %s", name, line, r["instruction"], other)
				}
				instructions[r["instruction"]] = name
			}
		}
	}
}

// TestHeldOutNotInPretraining checks that no paragraph of the held-out text
// is in a pretraining file, and that the held-out text is 50 to 100 KB.
func TestHeldOutNotInPretraining(t *testing.T) {
	heldOut := readData(t, "heldout/austen-heldout.txt")
	if n := len(heldOut); n < 50_000 || n > 100_000 {
		t.Errorf("held-out text is %d bytes, want 50 to 100 KB", n)
	}
	files, _ := filepath.Glob(filepath.Join(dataDir, "pretrain", "*.txt"))
	if len(files) != 7 {
		t.Fatalf("%d pretraining files, want 7", len(files))
	}
	checked := 0
	for _, f := range files {
		rel, _ := filepath.Rel(dataDir, f)
		text := readData(t, rel)
		for _, para := range strings.Split(heldOut, "\n") {
			if len(para) < 60 {
				continue // short lines ("Chapter 22", "Finis") recur by nature
			}
			checked++
			if strings.Contains(text, para) {
				t.Errorf("%s holds the held-out paragraph %.60q…", rel, para)
			}
		}
	}
	if checked == 0 {
		t.Error("no held-out paragraph was checked")
	}
}

// TestCommittedTextShape checks the texts against what is known of the
// books: each novel's number of chapters, and the King James Bible's 1,189
// chapters and 31,102 verses.
func TestCommittedTextShape(t *testing.T) {
	chapter := regexp.MustCompile(`(?m)^(CHAPTER|Chapter) [0-9IVXLC]+$`)
	heldOut := len(chapter.FindAllString(readData(t, "heldout/austen-heldout.txt"), -1))
	for file, want := range map[string]int{
		"austen-sense-and-sensibility.txt": 50,
		"austen-pride-and-prejudice.txt":   61,
		"austen-mansfield-park.txt":        48,
		"austen-emma.txt":                  55,
		"austen-northanger-abbey.txt":      31,
		"austen-persuasion.txt":            24 - heldOut,
	} {
		if got := len(chapter.FindAllString(readData(t, "pretrain/"+file), -1)); got != want {
			t.Errorf("%s: %d chapters, want %d", file, got, want)
		}
	}
	if heldOut != 3 {
		t.Errorf("held-out text: %d chapters, want 3 (Persuasion 22 to 24)", heldOut)
	}
	kjv := readData(t, "pretrain/kjv.txt")
	chapters := regexp.MustCompile(`(?m)^[1-3]?[A-Z ]?[A-Za-z ]+ [0-9]+$`).FindAllString(kjv, -1)
	lines := 0 // that are not empty
	for _, l := range strings.Split(kjv, "\n") {
		if l != "" {
			lines++
		}
	}
	if len(chapters) != 1189 || lines-len(chapters) != 31102 {
		t.Errorf("kjv.txt: %d chapters and %d verses, want 1189 and 31102", len(chapters), lines-len(chapters))
	}
	for _, s := range []string{"\r", "\t", "_", "Ge1:1"} {
		for _, file := range []string{"pretrain/kjv.txt", "pretrain/austen-emma.txt"} {
			if strings.Contains(readData(t, file), s) {
				t.Errorf("%s holds %q", file, s)
			}
		}
	}
}

// TestRebuild rebuilds everything from the Debian packages in $GOLORA_DEBS
// (made by datasets/fetch-debs.sh) and compares it with the committed files
// byte for byte.
func TestRebuild(t *testing.T) {
	debs := os.Getenv("GOLORA_DEBS")
	if debs == "" {
		t.Skip("set GOLORA_DEBS to a folder made by datasets/fetch-debs.sh to rebuild and compare")
	}
	outs, _, err := build(inputs{dir: debs})
	if err != nil {
		t.Fatal(err)
	}
	if err := compare(dataDir, outs); err != nil {
		t.Error(err)
	}
}
