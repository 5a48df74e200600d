// Package atomicfile writes files so that a reader, or a crash, never sees
// one half written: the data goes to a temporary file in the same folder,
// which is synced and then renamed over the destination, and the folder is
// synced so that the rename lasts. Adapters, checkpoints, notebooks, models
// and kernelspecs are all written this way.
package atomicfile

import (
	"os"
	"path/filepath"
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
func WriteFunc(path string, fill func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
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
