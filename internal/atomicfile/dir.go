package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
)

// A Dir is a folder written under a temporary name beside its final path
// and renamed into place when whole, so that the folder at the final path is
// whole or absent, never half written.
type Dir struct {
	final, tmp string
	done       bool
}

// NewDir starts writing the folder path: the files go into d.Path(), a new
// temporary folder (permissions 0755), and d.Commit puts it in place. Stale
// temporaries beside path are removed first. Defer d.Discard.
func NewDir(path string) (*Dir, error) {
	parent := filepath.Dir(path)
	RemoveStale(parent)
	tmp, err := mkdirTemp(parent, filepath.Base(path))
	if err != nil {
		return nil, err
	}
	d := &Dir{final: path, tmp: tmp}
	if err := os.Chmod(tmp, 0o755); err != nil {
		d.Discard()
		return nil, err
	}
	return d, nil
}

// Path returns the temporary folder that takes the files.
func (d *Dir) Path() string { return d.tmp }

// Commit renames the temporary folder to the final path. A folder already
// there is replaced: moved aside under a temporary name, then removed once
// the new one is in place (a crash in between leaves that temporary, which
// the next save removes).
func (d *Dir) Commit() error {
	if d.done {
		return errors.New("atomicfile: " + d.final + " committed twice")
	}
	pause()
	parent := filepath.Dir(d.final)
	var old string
	if _, err := os.Lstat(d.final); err == nil {
		if old, err = d.moveAside(parent); err != nil {
			return err
		}
		defer finished(old)
	}
	if err := os.Rename(d.tmp, d.final); err != nil {
		if old != "" {
			os.Rename(old, d.final)
		}
		return err
	}
	finished(d.tmp)
	d.done = true
	SyncDir(parent)
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// moveAside renames the folder at the final path to a new temporary name
// and returns that name.
func (d *Dir) moveAside(parent string) (string, error) {
	temps.Lock()
	defer temps.Unlock()
	// A fresh name of our pattern: made, to be sure it is free, and removed,
	// since os.Rename does not rename over a folder. The name holds this
	// process's id, so no other process takes it in between.
	old, err := os.MkdirTemp(parent, tempPattern(filepath.Base(d.final)))
	if err != nil {
		return "", err
	}
	if err := os.Remove(old); err != nil {
		return "", err
	}
	if err := os.Rename(d.final, old); err != nil {
		return "", err
	}
	register(old)
	return old, nil
}

// Discard removes the temporary folder unless Commit put it in place.
func (d *Dir) Discard() {
	if d.done {
		return
	}
	os.RemoveAll(d.tmp)
	finished(d.tmp)
	d.done = true
}
