package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// zmtpStream is a greeting followed by frames: each frame is a flags byte
// (the long flag is added when the body needs it) and its body.
func zmtpStream(frames ...[]byte) []byte {
	out := make([]byte, greetingLen)
	out[0], out[9] = 0xFF, 0x7F
	for _, f := range frames {
		flags, body := f[0], f[1:]
		if len(body) > 255 {
			out = append(out, flags|flagLong)
			out = binary.BigEndian.AppendUint64(out, uint64(len(body)))
		} else {
			out = append(out, flags, byte(len(body)))
		}
		out = append(out, body...)
	}
	return out
}

func frame(flags byte, n int) []byte {
	return append([]byte{flags}, bytes.Repeat([]byte{'x'}, n)...)
}

func TestFrameReaderPassesStreamUnchanged(t *testing.T) {
	stream := zmtpStream(frame(0x04, 20), frame(flagMore, 0), frame(flagMore, 300), frame(0, 5), frame(0, 1000))
	for name, r := range map[string]func(io.Reader) io.Reader{
		"whole":       func(r io.Reader) io.Reader { return r },
		"byte a time": iotest.OneByteReader,
		"half":        iotest.HalfReader,
	} {
		got, err := io.ReadAll(r(newFrameReader(bytes.NewReader(stream), 1000)))
		if err != nil || !bytes.Equal(got, stream) {
			t.Errorf("%s: read %d bytes, err %v; want the %d bytes of the stream", name, len(got), err, len(stream))
		}
	}
}

func TestFrameReaderCutsBeforeOverLongFrame(t *testing.T) {
	ok := zmtpStream(frame(0x04, 10), frame(0, 100))
	for name, c := range map[string]struct {
		tail   []byte
		passed int // bytes of tail passed on before the cut
	}{
		"frame over the limit":   {zmtpStream(frame(0, 1001))[greetingLen:], 0},
		"message over the limit": {zmtpStream(frame(flagMore, 600), frame(0, 401))[greetingLen:], 9 + 600},
		"2^50 bytes announced":   {[]byte{flagLong, 0, 4, 0, 0, 0, 0, 0, 0}, 0},
		"2^64-1 bytes announced": {[]byte{flagLong | 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 0},
		"too many frames":        {bytes.Repeat([]byte{flagMore, 0}, maxFrames+1), 2 * maxFrames},
	} {
		stream := append(append([]byte(nil), ok...), c.tail...)
		got, err := io.ReadAll(iotest.HalfReader(newFrameReader(bytes.NewReader(stream), 1000)))
		if !errors.Is(err, ErrFrameTooLong) {
			t.Errorf("%s: err = %v, want ErrFrameTooLong", name, err)
		}
		if want := stream[:len(ok)+c.passed]; !bytes.Equal(got, want) {
			t.Errorf("%s: passed on %d bytes, want the %d before the bad frame", name, len(got), len(want))
		}
	}
}

func TestFrameReaderEOFInHeader(t *testing.T) {
	stream := append(zmtpStream(frame(0, 1)), flagLong, 0, 0)
	got, err := io.ReadAll(newFrameReader(bytes.NewReader(stream), 1000))
	if err != nil || len(got) != len(stream)-3 {
		t.Errorf("read %d bytes, err %v; want the %d before the cut header and a clean EOF", len(got), err, len(stream)-3)
	}
}

// validPrefix is the reference for FuzzFrameReader: the length of the part
// of stream that a frameReader with limit max passes on, and whether it
// stops on a frame over the limit.
func validPrefix(stream []byte, max uint64) (int, bool) {
	if len(stream) <= greetingLen {
		return len(stream), false
	}
	i, msgBytes, msgFrames := greetingLen, uint64(0), 0
	for i < len(stream) {
		flags, n := stream[i], 2
		if flags&flagLong != 0 {
			n = 9
		}
		if i+n > len(stream) {
			return i, false
		}
		size := uint64(stream[i+1])
		if n == 9 {
			size = binary.BigEndian.Uint64(stream[i+1 : i+9])
		}
		msgFrames++
		if size > max || msgBytes+size > max || msgFrames > maxFrames {
			return i, true
		}
		msgBytes += size
		if flags&flagMore == 0 {
			msgBytes, msgFrames = 0, 0
		}
		if uint64(len(stream)-i-n) < size {
			return len(stream), false
		}
		i += n + int(size)
	}
	return i, false
}

// FuzzFrameReader checks the ZMTP frame guard against a whole-buffer
// parser: it passes on exactly the bytes before the first frame over the
// limit, never panics, and fails with ErrFrameTooLong exactly then.
func FuzzFrameReader(f *testing.F) {
	f.Add(zmtpStream(frame(0x04, 20), frame(flagMore, 300), frame(0, 5)), uint16(1000), uint8(7))
	f.Add(append(zmtpStream(frame(0, 3)), flagLong, 0, 4, 0, 0, 0, 0, 0, 0), uint16(1000), uint8(1))
	f.Add(zmtpStream(frame(flagMore, 600), frame(0, 401)), uint16(1000), uint8(0))
	f.Add([]byte{1, 2, 3}, uint16(1), uint8(3))
	f.Fuzz(func(t *testing.T, stream []byte, max uint16, chunk uint8) {
		var r io.Reader = newFrameReader(bytes.NewReader(stream), int64(max)+1)
		if chunk%2 == 1 {
			r = iotest.OneByteReader(r)
		}
		got, err := io.ReadAll(r)
		n, tooLong := validPrefix(stream, uint64(max)+1)
		if tooLong != errors.Is(err, ErrFrameTooLong) || !tooLong && err != nil {
			t.Fatalf("err = %v, want over-the-limit %v", err, tooLong)
		}
		if !bytes.Equal(got, stream[:n]) {
			t.Fatalf("passed on %d bytes, want %d", len(got), n)
		}
	})
}
