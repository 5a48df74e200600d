package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := Write(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two" {
		t.Errorf("read %q", got)
	}
	boom := errors.New("boom")
	err := WriteFunc(path, func(f *os.File) error {
		f.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "two" {
		t.Errorf("a failed write changed the file: %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// deadPID returns the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// A save removes the temporaries that killed saves left in its folder, and
// nothing else: not another name, not a temporary of a process that runs,
// not this process's save in progress.
func TestWriteRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	dead, self, parent := deadPID(t), os.Getpid(), os.Getppid()
	stale := []string{
		fmt.Sprintf(".adapter_model.safetensors.golora-%d-123.tmp", dead),
		fmt.Sprintf(".f.json.golora-%d-9.tmp", self),
	}
	staleDir := fmt.Sprintf(".checkpoint-3.golora-%d-77.tmp", dead)
	kept := []string{
		fmt.Sprintf(".f.json.golora-%d-5.tmp", parent),
		".f.json.123456.tmp", "notes.tmp", ".hidden", "golora-1-2.tmp", fmt.Sprintf(".golora-%d-1.tmp", dead),
	}
	for _, name := range append(slices.Clone(stale), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, staleDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFunc(filepath.Join(dir, "f.json"), func(f *os.File) error {
		// Another save into the folder while this one is in progress.
		if err := Write(filepath.Join(dir, "g.json"), []byte("g")); err != nil {
			return err
		}
		if _, err := os.Stat(f.Name()); err != nil {
			return fmt.Errorf("the temporary of a save in progress was removed: %w", err)
		}
		_, err := f.Write([]byte("f"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := append(slices.Clone(kept), "f.json", "g.json")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after a save the folder holds\n%q\nwant\n%q", got, want)
	}
}

// A Dir is absent until committed, replaces a folder already there, and
// leaves nothing when discarded.
func TestDirCommitReplaces(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "checkpoint-4")
	for _, file := range []string{"one", "two"} {
		d, err := NewDir(final)
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(filepath.Join(d.Path(), file), []byte(file)); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(filepath.Join(final, file)); err == nil {
			t.Fatalf("%s is in place before Commit: %q", file, b)
		}
		if err := d.Commit(); err != nil {
			t.Fatal(err)
		}
		d.Discard()
		entries, _ := os.ReadDir(final)
		if len(entries) != 1 || entries[0].Name() != file {
			t.Fatalf("after committing %s the folder holds %v", file, entries)
		}
	}
	d, err := NewDir(filepath.Join(parent, "checkpoint-8"))
	if err != nil {
		t.Fatal(err)
	}
	d.Discard()
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
	if info, err := os.Stat(final); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("committed folder: %v, %v", info, err)
	}
}
