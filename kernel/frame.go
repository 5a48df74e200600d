package kernel

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// DefaultMaxFrame is the most bytes a kernel accepts in one ZMTP frame, and
// in the frames of one message, when Kernel.MaxFrame is zero: far above any
// real Jupyter message, far below what would exhaust memory.
const DefaultMaxFrame = 256 << 20

// ErrFrameTooLong is wrapped by the read error of a connection whose peer
// announced a frame, or a message, longer than the limit.
var ErrFrameTooLong = errors.New("ZMTP frame over the size limit")

// ZMTP 3 framing (https://rfc.zeromq.org/spec/23/): a 64-byte greeting,
// then frames of a flags byte, a size (one byte, or eight big-endian bytes
// when the long flag is set) and the body.
const (
	greetingLen = 64
	flagMore    = 0x01
	flagLong    = 0x02
)

// frameReader passes a ZMTP 3 byte stream on unchanged, except that it
// reads each frame's header in full before handing any of it on and fails
// instead when the frame, the message the frame belongs to, or the number
// of frames in that message is over the limit. The reader above it (zmq4,
// which allocates a frame's announced size before reading it) never sees
// the header of a frame it should not allocate.
type frameReader struct {
	r   io.Reader
	max uint64 // bytes in a frame, and in the frames of one message

	greeting  int // greeting bytes still to pass on
	hdr       [9]byte
	hdrLen    int    // bytes in hdr
	hdrOff    int    // bytes of hdr passed on
	body      uint64 // body bytes of the current frame still to pass on
	msgBytes  uint64 // bytes in the frames of the current message so far
	msgFrames int    // frames of the current message so far
	frames    int    // frames whose header has been read
}

func newFrameReader(r io.Reader, max int64) *frameReader {
	return &frameReader{r: r, max: uint64(max), greeting: greetingLen}
}

// Read implements io.Reader.
func (f *frameReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		switch {
		case f.greeting > 0:
			n, err := f.r.Read(p[:min(len(p), f.greeting)])
			f.greeting -= n
			return n, err
		case f.hdrOff < f.hdrLen:
			n := copy(p, f.hdr[f.hdrOff:f.hdrLen])
			f.hdrOff += n
			return n, nil
		case f.body > 0:
			n, err := f.r.Read(p[:min(uint64(len(p)), f.body)])
			f.body -= uint64(n)
			return n, err
		}
		if err := f.readHeader(); err != nil {
			return 0, err
		}
	}
}

// readHeader reads the next frame's header and checks it against the limits.
func (f *frameReader) readHeader() error {
	f.hdrLen, f.hdrOff = 0, 0
	if _, err := io.ReadFull(f.r, f.hdr[:1]); err != nil {
		return err
	}
	n := 2
	if f.hdr[0]&flagLong != 0 {
		n = 9
	}
	if _, err := io.ReadFull(f.r, f.hdr[1:n]); err != nil {
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		return err
	}
	size := uint64(f.hdr[1])
	if n == 9 {
		size = binary.BigEndian.Uint64(f.hdr[1:9])
	}
	f.frames++
	f.msgFrames++
	if size > f.max || f.msgBytes+size > f.max {
		return fmt.Errorf("%w: frame %d announces %d bytes, message so far %d (limit %d bytes; raise it with %s)",
			ErrFrameTooLong, f.frames, size, f.msgBytes, f.max, MaxFrameEnv)
	}
	if f.msgFrames > maxFrames {
		return fmt.Errorf("%w: a message of more than %d frames", ErrFrameTooLong, maxFrames)
	}
	f.msgBytes += size
	if f.hdr[0]&flagMore == 0 {
		f.msgBytes, f.msgFrames = 0, 0
	}
	f.hdrLen, f.body = n, size
	return nil
}

// handshaken reports whether the peer's greeting and first frame (in the
// NULL mechanism, its READY command) have been passed on in full.
func (f *frameReader) handshaken() bool {
	return f.frames > 1 || f.frames == 1 && f.hdrOff == f.hdrLen && f.body == 0
}
