package runtime

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// capture redirects the process's file descriptors 1 and 2 and forwards
// what arrives to the running cell's streams. It catches every writer:
// interpreted fmt calls, os.Stdout, compiled builtins and C libraries
// alike. Descriptor 1 becomes a pipe; descriptor 2 a regular file, so that a
// crash can always write its reason (see tail.go).
//
// Text reaches the reader later than the write, so before a display or a
// result the runtime calls sync: it writes a marker into each stream and
// waits until the reader has passed it. Everything written before the
// marker has then reached the cell.
type capture struct {
	route   *router
	streams [2]*capStream
	saved   [2]int // duplicates of the original descriptors 1 and 2
	tail    *tailFile
	watcher *crashWatcher
}

type capStream struct {
	name   string
	fd     int
	file   *os.File  // the descriptor writes go to (os.Stdout or os.Stderr)
	r      io.Reader // what the reader reads: a pipe or the tail of a file
	closer io.Closer
	wake   func() // makes the reader look for new text at once
	route  *router
	done   chan struct{}
	mu     sync.Mutex
	nextID int
	wait   map[string]chan struct{}
}

var markerPrefix = []byte("\x00golora-sync:")

// syncTimeout bounds how long sync waits for a marker to come through.
const syncTimeout = 2 * time.Second

func startCapture(route *router) (*capture, *os.File, error) {
	c := &capture{route: route}
	files := [2]*os.File{os.Stdout, os.Stderr}
	names := [2]string{"stdout", "stderr"}
	for i := range c.streams {
		fd := i + 1
		saved, err := dupFD(fd)
		if err != nil {
			c.stop()
			return nil, nil, fmt.Errorf("runtime: capturing %s: %w", names[i], err)
		}
		c.saved[i] = saved
		st := &capStream{name: names[i], fd: fd, file: files[i], route: route, done: make(chan struct{}), wait: map[string]chan struct{}{}, wake: func() {}}
		w, err := c.open(st)
		if err != nil {
			c.stop()
			return nil, nil, fmt.Errorf("runtime: capturing %s: %w", names[i], err)
		}
		err = dup2FD(int(w.Fd()), fd)
		w.Close()
		if err != nil {
			st.closer.Close()
			c.stop()
			return nil, nil, fmt.Errorf("runtime: capturing %s: %w", names[i], err)
		}
		c.streams[i] = st
		go st.read()
	}
	console := os.NewFile(uintptr(c.saved[1]), "stderr")
	w, err := startCrashWatcher(c.tail, console)
	if err != nil {
		fmt.Fprintf(console, "golora: %v; should golora crash, its reason may be lost\n", err)
	}
	c.watcher = w
	return c, console, nil
}

// open gives a stream what its reader reads, and returns the descriptor
// that writers must write to.
func (c *capture) open(st *capStream) (*os.File, error) {
	if st.fd == 2 {
		t, w, err := newTailFile()
		if err != nil {
			return nil, err
		}
		c.tail, st.r, st.closer, st.wake = t, t, t.f, t.poke
		return w, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	st.r, st.closer = r, r
	return w, nil
}

// stop gives the process its descriptors back.
func (c *capture) stop() error {
	var first error
	for i, st := range c.streams {
		if c.saved[i] > 0 {
			if err := dup2FD(c.saved[i], i+1); err != nil && first == nil {
				first = err
			}
		}
		if st == nil {
			continue
		}
		if st.fd == 2 {
			c.tail.stop()
		}
		<-st.done
		st.closer.Close()
	}
	if c.watcher != nil {
		c.watcher.stop()
	}
	return first
}

// sync returns once everything written so far has been forwarded.
func (c *capture) sync() {
	var wg sync.WaitGroup
	for _, st := range c.streams {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st.sync()
		}()
	}
	wg.Wait()
}

func (st *capStream) sync() {
	st.mu.Lock()
	st.nextID++
	id := strconv.Itoa(st.nextID)
	ch := make(chan struct{})
	st.wait[id] = ch
	st.mu.Unlock()
	marker := append(append([]byte{}, markerPrefix...), id+"\x00"...)
	if _, err := st.file.Write(marker); err != nil {
		return
	}
	st.wake()
	select {
	case <-ch:
	case <-time.After(syncTimeout):
	}
}

func (st *capStream) read() {
	defer close(st.done)
	buf := make([]byte, 64<<10)
	var pending []byte
	var text []byte
	emit := func(b []byte) {
		text = append(text, b...)
		// Hold back an incomplete UTF-8 sequence at the end.
		cut := len(text)
		for k := 1; k <= 3 && k <= len(text); k++ {
			if utf8.RuneStart(text[len(text)-k]) {
				if !utf8.FullRune(text[len(text)-k:]) {
					cut = len(text) - k
				}
				break
			}
		}
		if cut > 0 {
			st.route.stream(st.name, string(bytes.ToValidUTF8(text[:cut], []byte("\uFFFD"))))
		}
		text = append(text[:0], text[cut:]...)
	}
	for {
		n, err := st.r.Read(buf)
		if n > 0 {
			pending = st.scan(append(pending, buf[:n]...), emit)
		}
		if err != nil {
			emit(pending)
			return
		}
	}
}

// scan forwards data up to any sync markers, releases their waiters, and
// returns the bytes it must keep for the next read (a marker cut in two).
func (st *capStream) scan(data []byte, emit func([]byte)) []byte {
	for {
		i := bytes.IndexByte(data, 0)
		if i < 0 {
			emit(data)
			return nil
		}
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, markerPrefix):
			j := bytes.IndexByte(rest[1:], 0)
			if j < 0 {
				emit(data[:i])
				return append([]byte{}, rest...)
			}
			emit(data[:i])
			st.release(string(rest[len(markerPrefix) : j+1]))
			data = rest[j+2:]
		case len(rest) < len(markerPrefix) && bytes.HasPrefix(markerPrefix, rest):
			emit(data[:i])
			return append([]byte{}, rest...)
		default:
			emit(data[:i+1])
			data = data[i+1:]
		}
	}
}

func (st *capStream) release(id string) {
	st.mu.Lock()
	ch := st.wait[id]
	delete(st.wait, id)
	st.mu.Unlock()
	if ch != nil {
		close(ch)
	}
}
