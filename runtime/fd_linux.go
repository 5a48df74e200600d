package runtime

import (
	"os"
	"syscall"
)

func dupFD(fd int) (int, error) { return syscall.Dup(fd) }

func dup2FD(from, to int) error { return syscall.Dup3(from, to, 0) }

// punchHole frees the blocks of a file's byte range, keeping its size.
func punchHole(f *os.File, off, n int64) error {
	const punchHole, keepSize = 0x02, 0x01 // FALLOC_FL_PUNCH_HOLE, FALLOC_FL_KEEP_SIZE
	return syscall.Fallocate(int(f.Fd()), punchHole|keepSize, off, n)
}
