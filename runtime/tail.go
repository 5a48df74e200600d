package runtime

import (
	"io"
	"os"
	"sync"
	"time"
)

// Standard error and crashes.
//
// A dying Go process (a stack overflow, a goroutine's panic that nothing
// recovers, running out of memory) writes its reason to file descriptor 2
// while every other goroutine, the capture's reader included, is stopped.
// If descriptor 2 were a pipe, a long trace would fill it and the process
// would hang for ever; a short one would die with the process. So
// descriptor 2 is a regular file, whose writes never block: an unlinked
// temporary file opened for appending. The capture reads it through a
// descriptor of its own (tailFile), and a watcher process keeps a duplicate
// of that descriptor, which shares its offset: when the process ends, the
// watcher copies what the reader had not read yet — the reason of a crash
// and its trace — to the real standard error, where Jupyter's log and the
// terminal show it, and exits.

// tailPoll is how often the reader looks for new text when nothing wakes it.
const tailPoll = 50 * time.Millisecond

// punchEvery is how much read text the file keeps before it gives the
// space back.
const punchEvery = 1 << 20

// tailFile reads an append-only file as it grows, like tail -f, and frees
// the blocks it has read.
type tailFile struct {
	f       *os.File // read and punch descriptor, offset shared with the watcher
	wake    chan struct{}
	closing chan struct{}
	once    sync.Once
	read    int64 // bytes read so far
	freed   int64 // bytes given back to the file system
}

// newTailFile creates the unlinked file. It returns the reader and a
// descriptor that appends to the file.
func newTailFile() (*tailFile, *os.File, error) {
	r, err := os.CreateTemp("", "golora-stderr-*")
	if err != nil {
		return nil, nil, err
	}
	w, err := os.OpenFile(r.Name(), os.O_WRONLY|os.O_APPEND, 0)
	os.Remove(r.Name())
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return &tailFile{f: r, wake: make(chan struct{}, 1), closing: make(chan struct{})}, w, nil
}

// poke makes a waiting Read look at the file now.
func (t *tailFile) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// stop makes Read return io.EOF once it has read everything.
func (t *tailFile) stop() { t.once.Do(func() { close(t.closing) }) }

// Read returns the next bytes written to the file, waiting for them.
func (t *tailFile) Read(p []byte) (int, error) {
	for {
		n, err := t.f.Read(p)
		if n > 0 {
			t.read += int64(n)
			t.free()
			return n, nil
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
		timer := time.NewTimer(tailPoll)
		select {
		case <-t.closing:
			timer.Stop()
			if n, _ := t.f.Read(p); n > 0 {
				t.read += int64(n)
				return n, nil
			}
			return 0, io.EOF
		case <-t.wake:
			timer.Stop()
		case <-timer.C:
		}
	}
}

// free gives the blocks already read back to the file system, so that a
// chatty standard error does not fill the disk.
func (t *tailFile) free() {
	end := t.read &^ (punchEvery - 1)
	if end <= t.freed {
		return
	}
	if punchHole(t.f, t.freed, end-t.freed) == nil {
		t.freed = end
	}
}
