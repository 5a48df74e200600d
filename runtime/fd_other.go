//go:build !unix

package runtime

import "errors"

var errNoCapture = errors.New("capturing standard output is not supported on this system")

func dupFD(int) (int, error) { return 0, errNoCapture }

func dup2FD(int, int) error { return errNoCapture }
