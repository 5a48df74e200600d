package kernel

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// MaxFrameEnv names the environment variable from which MaxFrameFromEnv
// reads the frame limit, in bytes.
const MaxFrameEnv = "GOLORA_MAX_FRAME"

// handshakeTimeout bounds how long a peer may take over its greeting and
// READY command: zmq4 accepts connections one at a time, so a peer that
// connects and says nothing would otherwise keep every other client out.
const handshakeTimeout = 10 * time.Second

// guardedPrefix turns a ZeroMQ endpoint's transport ("tcp", "ipc") into
// the guarded transport the kernel listens through.
const guardedPrefix = "golora-"

func init() {
	for name, network := range map[string]string{"tcp": "tcp", "ipc": "unix"} {
		if err := zmq4.RegisterTransport(guardedPrefix+name, guardedTransport{transport.New(network)}); err != nil {
			panic(err)
		}
	}
}

// MaxFrameFromEnv returns the frame limit set by GOLORA_MAX_FRAME, or 0
// (the default) when it is unset or empty.
func MaxFrameFromEnv() (int64, error) {
	s := os.Getenv(MaxFrameEnv)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive number of bytes, such as %d (256 MiB)", MaxFrameEnv, s, DefaultMaxFrame)
	}
	return n, nil
}

// listenConfig is what a guarded listener needs from the kernel. It reaches
// the transport in the context of the zmq4 socket, the only way zmq4 gives.
type listenConfig struct {
	name      string // the kernel's name of the socket, for the log
	maxFrame  int64
	handshake time.Duration
	log       *log.Logger
}

type listenConfigKey struct{}

// withListenConfig returns a context for a zmq4 socket whose guarded
// listener uses cfg.
func withListenConfig(ctx context.Context, cfg listenConfig) context.Context {
	return context.WithValue(ctx, listenConfigKey{}, cfg)
}

// guardedTransport is a zmq4 transport whose listeners cut the connection
// of a peer that announces an over-long frame, before zmq4 allocates it.
type guardedTransport struct {
	transport.Transport
}

// Listen implements transport.Transport.
func (t guardedTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := t.Transport.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	cfg, _ := ctx.Value(listenConfigKey{}).(listenConfig)
	if cfg.maxFrame <= 0 {
		cfg.maxFrame = DefaultMaxFrame
	}
	if cfg.handshake <= 0 {
		cfg.handshake = handshakeTimeout
	}
	if cfg.log == nil {
		cfg.log = log.New(os.Stderr, "golora kernel: ", log.LstdFlags)
	}
	return guardedListener{l, cfg}, nil
}

type guardedListener struct {
	net.Listener
	cfg listenConfig
}

// Accept implements net.Listener.
func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if err := c.SetReadDeadline(time.Now().Add(l.cfg.handshake)); err != nil {
		c.Close()
		return nil, err
	}
	return &guardedConn{Conn: c, frames: newFrameReader(c, l.cfg.maxFrame), cfg: l.cfg}, nil
}

// guardedConn is an accepted connection read through a frameReader.
type guardedConn struct {
	net.Conn
	frames *frameReader
	cfg    listenConfig
	open   bool // the handshake is over and the read deadline lifted
}

// Read implements net.Conn. A read error closes the connection: zmq4 reads
// no more from it, and leaves a connection whose handshake failed open
// (it logs that failure itself).
func (c *guardedConn) Read(p []byte) (int, error) {
	n, err := c.frames.Read(p)
	if err != nil {
		if c.open && errors.Is(err, ErrFrameTooLong) {
			c.cfg.log.Printf("%s: closed the connection from %s: %v", c.cfg.name, c.RemoteAddr(), err)
		}
		c.Conn.Close()
		return n, err
	}
	if !c.open && c.frames.handshaken() {
		c.open = true
		if err := c.SetReadDeadline(time.Time{}); err != nil {
			c.Conn.Close()
			return n, err
		}
	}
	return n, nil
}
