package runtime

import (
	"bytes"
	"io"
	"syscall"
	"testing"
)

// TestTailFileFreesWhatItRead: the file behind descriptor 2 gives back the
// blocks the reader has read, so a chatty stderr does not fill the disk.
func TestTailFileFreesWhatItRead(t *testing.T) {
	tf, w, err := newTailFile()
	if err != nil {
		t.Fatal(err)
	}
	defer tf.f.Close()
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	const total = 8 << 20
	for range total / len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	tf.stop()
	n, err := io.Copy(io.Discard, tf)
	if err != nil || n != total {
		t.Fatalf("read %d bytes (%v), want %d", n, err, total)
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(int(tf.f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	if used := st.Blocks * 512; used > 2*punchEvery {
		t.Errorf("the file still uses %d bytes after all %d were read", used, total)
	}
	if st.Size != total {
		t.Errorf("the file's size is %d, want %d (holes keep the size)", st.Size, total)
	}
}
