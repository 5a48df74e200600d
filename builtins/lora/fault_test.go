package lora

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golora/golora/builtins/llama"
	"github.com/golora/golora/builtins/safetensors"
)

// goloraBinary returns the golora binary: $GOLORA (make test builds it),
// else one built into a temporary folder.
func goloraBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("GOLORA"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	bin := filepath.Join(t.TempDir(), "golora")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("cannot build golora for the fault test: %v\n%s", err, out)
	}
	return bin
}

// faultNotebook writes a notebook that trains golora-tiny for 8 steps with a
// checkpoint at each, into out, and returns its path.
func faultNotebook(t *testing.T, dir, out string, resume bool) string {
	t.Helper()
	model, err := filepath.Abs("../../models/golora-tiny")
	if err != nil {
		t.Fatal(err)
	}
	code := fmt.Sprintf(`model, err := llama.Load(ctx, %q)
if err != nil {
	panic(err)
}
var texts []string
for _, w := range []string{"apple", "river", "stone", "light", "house", "green", "quiet", "storm"} {
	texts = append(texts, "A "+w+" is a thing that one sees by the "+w+".")
}
run, err := lora.Train(ctx, model, lora.FromTexts(texts), lora.Config{Name: "fault", Rank: 4, Epochs: 2,
	MicroBatch: 2, Batch: 2, CutoffLen: 24, Warmup: 1, LearningRate: 1e-3, Seed: 5, SaveEvery: 1, OutputDir: %q, Resume: %v})
if err != nil {
	panic(err)
}
fmt.Println("STATUS", run.Status, run.Steps)`, model, out, resume)
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5,
		"metadata": map[string]any{"kernelspec": map[string]any{"name": "golora", "display_name": "Go (golora)", "language": "go"}},
		"cells":    []any{map[string]any{"cell_type": "code", "id": "train", "metadata": map[string]any{}, "source": code, "outputs": []any{}, "execution_count": nil}},
	}
	data, _ := json.Marshal(nb)
	path := filepath.Join(dir, fmt.Sprintf("train-%v.ipynb", resume))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A golora run process, its output kept for the test's messages.
type goloraRun struct {
	cmd *exec.Cmd
	out bytes.Buffer
}

func startGolora(t *testing.T, bin, notebook string, env ...string) *goloraRun {
	t.Helper()
	r := &goloraRun{}
	r.cmd = exec.Command(bin, "run", notebook, "-o", notebook+".out.ipynb")
	r.cmd.Env = append(os.Environ(), env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

// The moments the fault test kills golora at, each a test of the run
// folder's entries and of how many checkpoints it held when the process
// started.
var killMoments = []struct {
	name string
	now  func(names []string, before int) bool
}{
	{"inside a checkpoint's save", func(names []string, before int) bool {
		return slices.Contains(names, "checkpoint-1") && hasTemp(names, ".checkpoint-")
	}},
	{"inside the adapter's save", func(names []string, before int) bool {
		return hasTemp(names, "."+weightsFile+".")
	}},
	{"between saves", func(names []string, before int) bool {
		return countCheckpoints(names) > before && !hasTemp(names, ".")
	}},
	{"inside the log's save", func(names []string, before int) bool {
		return hasTemp(names, "."+logFile+".")
	}},
}

func countCheckpoints(names []string) int {
	n := 0
	for _, name := range names {
		if strings.HasPrefix(name, checkpointPrefix) {
			n++
		}
	}
	return n
}

func hasTemp(names []string, prefix string) bool {
	for _, n := range names {
		if strings.HasPrefix(n, prefix) && strings.HasSuffix(n, ".tmp") {
			return true
		}
	}
	return false
}

// TestGoloraRunKilled: golora run, SIGKILLed at several moments, inside
// saves and between them (GOLORA_TEST_SAVE_DELAY makes each save wait
// before its rename), leaves every file under a real name loadable; Resume
// then completes the run, with the adapter of a run never interrupted, bit
// for bit, and no temporary left behind.
func TestGoloraRunKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("trains golora-tiny in several processes")
	}
	bin := goloraBinary(t)
	work := t.TempDir()

	wholeOut := filepath.Join(work, "whole")
	whole := startGolora(t, bin, faultNotebook(t, work, wholeOut, false))
	if err := whole.cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, whole.out.String())
	}
	want := readFile(t, filepath.Join(wholeOut, "fault", weightsFile))

	out := filepath.Join(work, "killed")
	dir := filepath.Join(out, "fault")
	model, err := llama.Load(context.Background(), "../../models/golora-tiny")
	if err != nil {
		t.Fatal(err)
	}
	fresh, resume := faultNotebook(t, work, out, false), faultNotebook(t, work, out, true)
	for i, moment := range killMoments {
		nb := resume
		if i == 0 {
			nb = fresh
		}
		before := 0
		if entries, err := os.ReadDir(dir); err == nil {
			for _, e := range entries {
				before += countCheckpoints([]string{e.Name()})
			}
		}
		r := startGolora(t, bin, nb, "GOLORA_TEST_SAVE_DELAY=30ms")
		if !waitFor(dir, func(names []string) bool { return moment.now(names, before) }, 60*time.Second) {
			r.cmd.Process.Kill()
			r.cmd.Wait()
			t.Fatalf("kill %s: the moment never came\n%s", moment.name, r.out.String())
		}
		r.cmd.Process.Kill()
		r.cmd.Wait()
		if strings.Contains(r.out.String(), "STATUS") {
			t.Fatalf("kill %s: the run had ended\n%s", moment.name, r.out.String())
		}
		checkFolder(t, model, dir, moment.name)
	}
	r := startGolora(t, bin, resume)
	if err := r.cmd.Wait(); err != nil || !strings.Contains(r.out.String(), "STATUS done 8") {
		t.Fatalf("resuming after the kills: %v\n%s", err, r.out.String())
	}
	checkFolder(t, model, dir, "the end")
	if got := readFile(t, filepath.Join(dir, weightsFile)); got != want {
		t.Error("the adapter of the killed and resumed run differs from the uninterrupted run's")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary left at the end: %s", e.Name())
		}
	}
}

// waitFor polls the entries of dir until now holds, or the time is up.
func waitFor(dir string, now func([]string) bool, limit time.Duration) bool {
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if now(names) {
			return true
		}
	}
	return false
}

// checkFolder loads every file under a real name in an adapter folder and
// its checkpoints with golora's own readers.
func checkFolder(t *testing.T, model *llama.Model, dir, when string) {
	t.Helper()
	check := func(what string, err error) {
		if err != nil {
			t.Errorf("after the kill %s: %s: %v", when, what, err)
		}
	}
	folders := []string{dir}
	cps, _ := filepath.Glob(filepath.Join(dir, checkpointPrefix+"*"))
	folders = append(folders, cps...)
	for _, f := range folders {
		if _, err := os.Stat(filepath.Join(f, weightsFile)); err == nil {
			_, err := Load(model, f)
			check(f, err)
		}
		if _, err := os.Stat(filepath.Join(f, logFile)); err == nil {
			_, err := ReadLog(f)
			check(f, err)
		}
		if _, err := os.Stat(filepath.Join(f, parametersFile)); err == nil {
			_, err := CopyParameters(f)
			check(f, err)
		}
	}
	for _, cp := range cps {
		s, err := safetensors.Open(filepath.Join(cp, optimizerFile))
		check(cp, err)
		if err == nil {
			s.Close()
		}
		var st trainerState
		data, err := os.ReadFile(filepath.Join(cp, stateFile))
		if err == nil {
			err = json.Unmarshal(data, &st)
		}
		check(cp, err)
	}
}
