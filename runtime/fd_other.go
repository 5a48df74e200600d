//go:build !unix

package runtime

import (
	"errors"
	"os"
)

var errNoCapture = errors.New("capturing standard output is not supported on this system")

func dupFD(int) (int, error) { return 0, errNoCapture }

func dup2FD(int, int) error { return errNoCapture }

func punchHole(*os.File, int64, int64) error { return errNoCapture }

type crashWatcher struct{}

func startCrashWatcher(*tailFile, *os.File) (*crashWatcher, error) { return nil, errNoCapture }

func (*crashWatcher) stop() {}
