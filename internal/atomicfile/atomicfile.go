// Package atomicfile writes files so that a reader, or a crash, never sees
// one half written: the data goes to a temporary file in the same folder,
// which is synced and then renamed over the destination, and the folder is
// synced so that the rename lasts. Adapters, checkpoints, notebooks, models
// and kernelspecs are all written this way; Dir does the same for a whole
// folder.
//
// A temporary is named ".NAME.golora-PID-RANDOM.tmp", PID the process that
// writes it. A process killed during a save leaves its temporary behind;
// the next save into that folder removes it (RemoveStale), and removes only
// such names, of processes that no longer run or of this process but of no
// save in progress.
//
// For tests, the environment variable GOLORA_TEST_SAVE_DELAY (a duration
// such as "200ms") makes every save wait that long between writing its
// temporary and renaming it, so that a test can kill a process inside a
// save.
package atomicfile

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Write writes data to path atomically, with permissions 0644.
func Write(path string, data []byte) error {
	return WriteFunc(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteFunc writes to path atomically what fill writes into the temporary
// file. On any error path is untouched and the temporary file is removed.
// Stale temporaries in path's folder are removed first.
func WriteFunc(path string, fill func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	RemoveStale(dir)
	tmp, err := createTemp(dir, filepath.Base(path))
	if err != nil {
		return err
	}
	defer finished(tmp.Name())
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	pause()
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// SyncDir makes renames in dir durable; where a system cannot sync a
// folder, it does nothing.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// pause waits for GOLORA_TEST_SAVE_DELAY, a test's hook to kill a process
// between the writing of a temporary and its rename.
func pause() {
	if d, err := time.ParseDuration(os.Getenv("GOLORA_TEST_SAVE_DELAY")); err == nil && d > 0 {
		time.Sleep(d)
	}
}

// temps is the registry of this process's temporaries in use, by absolute
// path; RemoveStale leaves them alone. Its lock also covers the creation of
// a temporary, so that RemoveStale never sees one not yet registered.
var temps = struct {
	sync.Mutex
	inUse map[string]bool
}{inUse: map[string]bool{}}

// tempPattern is the pattern of os.CreateTemp and os.MkdirTemp for a
// temporary of name in this process.
func tempPattern(name string) string {
	return "." + name + ".golora-" + strconv.Itoa(os.Getpid()) + "-*.tmp"
}

// tempPID returns the process of a temporary's name, or false when name is
// not one of ours.
func tempPID(name string) (int, bool) {
	rest, ok := strings.CutSuffix(name, ".tmp")
	if !ok || !strings.HasPrefix(rest, ".") {
		return 0, false
	}
	i := strings.LastIndex(rest, ".golora-")
	if i <= 0 {
		return 0, false
	}
	pid, random, ok := strings.Cut(rest[i+len(".golora-"):], "-")
	if !ok || !digits(random) || !digits(pid) {
		return 0, false
	}
	n, err := strconv.Atoi(pid)
	return n, err == nil && n > 0
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// register marks path as a temporary in use; the lock must be held.
func register(path string) {
	if abs, err := filepath.Abs(path); err == nil {
		temps.inUse[abs] = true
	}
}

// finished marks the temporary path as no longer in use.
func finished(path string) {
	temps.Lock()
	defer temps.Unlock()
	if abs, err := filepath.Abs(path); err == nil {
		delete(temps.inUse, abs)
	}
}

func createTemp(dir, name string) (*os.File, error) {
	temps.Lock()
	defer temps.Unlock()
	f, err := os.CreateTemp(dir, tempPattern(name))
	if err == nil {
		register(f.Name())
	}
	return f, err
}

func mkdirTemp(dir, name string) (string, error) {
	temps.Lock()
	defer temps.Unlock()
	path, err := os.MkdirTemp(dir, tempPattern(name))
	if err == nil {
		register(path)
	}
	return path, err
}

// RemoveStale removes from dir the temporary files and folders that saves
// left behind when their process died: names that this package gives its
// temporaries, of a process that no longer runs, or of this process but of
// no save in progress. Other names are never touched. It does its best and
// reports nothing: a temporary it cannot remove does not stop a save.
func RemoveStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	temps.Lock()
	defer temps.Unlock()
	self := os.Getpid()
	for _, e := range entries {
		pid, ok := tempPID(e.Name())
		if !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		abs, err := filepath.Abs(path)
		if err != nil || pid == self && temps.inUse[abs] || pid != self && alive(pid) {
			continue
		}
		os.RemoveAll(path)
	}
}
