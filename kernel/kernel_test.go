package kernel

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/golora/golora/cell"
	"github.com/golora/golora/output"
)

// wait bounds every wait of these tests for an answer that should come;
// it only turns a hang into a failure.
const wait = 10 * time.Second

// fakeEval is an Evaluator that records the cells it runs. A cell "block"
// runs until Interrupt, then records "saved" (as training saves its adapter);
// a cell "stubborn" ignores Interrupt and runs until release is closed.
type fakeEval struct {
	mu          sync.Mutex
	codes       []string
	started     chan string
	interrupted chan struct{}
	release     chan struct{}
}

func newFakeEval() *fakeEval {
	return &fakeEval{started: make(chan string, 16), interrupted: make(chan struct{}, 1), release: make(chan struct{})}
}

func (e *fakeEval) Execute(ctx context.Context, code string, opts cell.ExecOptions, out cell.Output) cell.Outcome {
	e.record(code)
	e.started <- code
	switch code {
	case "block":
		<-e.interrupted
		e.record("saved")
	case "stubborn":
		<-e.release
	}
	return cell.Outcome{}
}

func (e *fakeEval) record(code string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.codes = append(e.codes, code)
}

func (e *fakeEval) ran() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.codes)
}

func (e *fakeEval) Interrupt() {
	select {
	case e.interrupted <- struct{}{}:
	default:
	}
}

func (e *fakeEval) Complete(string, int) cell.Completion            { return cell.Completion{} }
func (e *fakeEval) Inspect(string, int, bool) (output.Bundle, bool) { return output.Bundle{}, false }
func (e *fakeEval) IsComplete(string) (string, string)              { return "complete", "" }
func (e *fakeEval) History(cell.HistoryQuery) []cell.HistoryEntry   { return nil }

// syncBuffer is a log that a test reads while the kernel writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// testKernel is a kernel serving on 127.0.0.1 for a test.
type testKernel struct {
	*Kernel
	conn ConnectionInfo
	log  *syncBuffer
	done chan error // Run's result
}

// freePorts returns n TCP ports of 127.0.0.1 that were free a moment ago.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// startKernel runs a kernel for eval until the test ends; setup, if not
// nil, adjusts it before Run.
func startKernel(t *testing.T, eval Evaluator, setup func(*Kernel)) *testKernel {
	t.Helper()
	p := freePorts(t, 5)
	conn := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], IOPubPort: p[3], HBPort: p[4], Key: "test-key", SignatureScheme: "hmac-sha256"}
	logw := &syncBuffer{}
	k, err := New(conn, eval, Info{Implementation: "test"}, logw)
	if err != nil {
		t.Fatal(err)
	}
	if setup != nil {
		setup(k)
	}
	tk := &testKernel{Kernel: k, conn: k.conn, log: logw, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { tk.done <- k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-tk.done:
		case <-time.After(wait):
			t.Error("the kernel did not stop")
		}
		if t.Failed() {
			t.Logf("kernel log:\n%s", logw)
		}
	})
	tk.kernelInfo(t, tk.conn.ShellPort) // Run has bound every socket
	return tk
}

// waitLog waits until the kernel's log says want.
func (tk *testKernel) waitLog(t *testing.T, want string) {
	t.Helper()
	for end := time.Now().Add(wait); !strings.Contains(tk.log.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the kernel's log never said %q", want)
		}
	}
}

func (tk *testKernel) addr(port int) string { return tk.conn.endpoint(port) }

// client is a zmq4 socket connected to one of a test kernel's ports.
type client struct {
	t   *testing.T
	s   zmq4.Socket
	key []byte
}

func (tk *testKernel) dial(t *testing.T, s zmq4.Socket, port int) *client {
	t.Helper()
	if err := s.Dial(tk.addr(port)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &client{t: t, s: s, key: []byte(tk.conn.Key)}
}

func (tk *testKernel) dealer(t *testing.T, port int) *client {
	return tk.dial(t, zmq4.NewDealer(context.Background()), port)
}

// request returns the signed frames of a request.
func (c *client) request(msgType string, content any) [][]byte {
	c.t.Helper()
	m, err := newMessage("test-client", msgType, nil, content)
	if err != nil {
		c.t.Fatal(err)
	}
	frames, err := m.Encode(c.key)
	if err != nil {
		c.t.Fatal(err)
	}
	return frames
}

func (c *client) send(frames [][]byte) {
	c.t.Helper()
	if err := c.s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatal(err)
	}
}

// recv returns the next message, or nil if none comes within d.
func (c *client) recv(d time.Duration) *Message {
	c.t.Helper()
	got := make(chan zmq4.Msg, 1)
	go func() {
		if msg, err := c.s.Recv(); err == nil {
			got <- msg
		}
	}()
	select {
	case msg := <-got:
		m, err := Decode(msg.Frames, c.key)
		if err != nil {
			c.t.Fatalf("kernel sent an undecodable message: %v", err)
		}
		return m
	case <-time.After(d):
		return nil
	}
}

// kernelInfo checks that the kernel answers kernel_info on a fresh
// connection to port.
func (tk *testKernel) kernelInfo(t *testing.T, port int) {
	t.Helper()
	c := tk.dealer(t, port)
	c.send(c.request("kernel_info_request", map[string]any{}))
	m := c.recv(wait)
	if m == nil || m.Header.MsgType != "kernel_info_reply" {
		t.Fatalf("kernel_info on port %d: got %+v, want a kernel_info_reply", port, m)
	}
}

// heartbeat checks that the heartbeat echoes on a fresh connection.
func (tk *testKernel) heartbeat(t *testing.T) {
	t.Helper()
	s := zmq4.NewReq(context.Background())
	tk.dial(t, s, tk.conn.HBPort)
	if err := s.Send(zmq4.NewMsgString("ping")); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		if msg, err := s.Recv(); err == nil {
			got <- string(msg.Bytes())
		}
	}()
	select {
	case echo := <-got:
		if echo != "ping" {
			t.Fatalf("heartbeat echoed %q, want ping", echo)
		}
	case <-time.After(wait):
		t.Fatal("no heartbeat echo")
	}
}

// zmtpPeer opens a raw TCP connection to port and speaks the ZMTP 3 NULL
// handshake as a socket of type sockType; with ready false it stops after
// the greetings.
func zmtpPeer(t *testing.T, port int, sockType string, ready bool) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	greeting := make([]byte, greetingLen)
	greeting[0], greeting[9], greeting[10], greeting[11] = 0xFF, 0x7F, 3, 1
	copy(greeting[12:], "NULL")
	if _, err := c.Write(greeting); err != nil {
		t.Fatal(err)
	}
	if _, err := readFull(c, make([]byte, greetingLen)); err != nil {
		t.Fatalf("port %d: reading the kernel's greeting: %v", port, err)
	}
	if !ready {
		return c
	}
	body := append([]byte("\x05READY\x0bSocket-Type"), 0, 0, 0, byte(len(sockType)))
	body = append(body, sockType...)
	if _, err := c.Write(append([]byte{0x04, byte(len(body))}, body...)); err != nil {
		t.Fatal(err)
	}
	return c
}

func readFull(c net.Conn, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := c.Read(p[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// longFrame is the header of a message frame that announces size bytes.
func longFrame(flags byte, size uint64) []byte {
	h := []byte{flags | flagLong, 0, 0, 0, 0, 0, 0, 0, 0}
	for i := range 8 {
		h[8-i] = byte(size >> (8 * i))
	}
	return h
}

// closedByKernel reads from c until the kernel closes it.
func closedByKernel(t *testing.T, c net.Conn, what string) {
	t.Helper()
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("%s: the kernel left the connection open", what)
			}
			return
		}
	}
}

func TestFrameBombClosesOnlyThatConnection(t *testing.T) {
	tk := startKernel(t, newFakeEval(), nil)
	ports := []struct {
		name, peer string
		port       int
	}{
		{"shell", "DEALER", tk.conn.ShellPort},
		{"control", "DEALER", tk.conn.ControlPort},
		{"stdin", "DEALER", tk.conn.StdinPort},
		{"iopub", "SUB", tk.conn.IOPubPort},
		{"heartbeat", "REQ", tk.conn.HBPort},
	}
	for _, p := range ports {
		for _, size := range []uint64{1 << 40, 1 << 50} {
			what := fmt.Sprintf("%s, a frame of 2^%d bytes", p.name, bitLen(size))
			c := zmtpPeer(t, p.port, p.peer, true)
			if _, err := c.Write(longFrame(0, size)); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			closedByKernel(t, c, what)

			what = fmt.Sprintf("%s, a READY command of 2^%d bytes", p.name, bitLen(size))
			c = zmtpPeer(t, p.port, p.peer, false)
			if _, err := c.Write(longFrame(0x04, size)); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			closedByKernel(t, c, what)
		}
	}
	tk.kernelInfo(t, tk.conn.ShellPort)
	tk.kernelInfo(t, tk.conn.ControlPort)
	tk.heartbeat(t)
	if !strings.Contains(tk.log.String(), "over the size limit") {
		t.Errorf("the log does not say why connections were closed:\n%s", tk.log)
	}
}

func bitLen(x uint64) int {
	n := 0
	for x > 1 {
		x >>= 1
		n++
	}
	return n
}

func TestMaxFrameIsSettable(t *testing.T) {
	eval := newFakeEval()
	tk := startKernel(t, eval, func(k *Kernel) { k.MaxFrame = 1 << 10 })
	c := tk.dealer(t, tk.conn.ShellPort)
	big := c.request("execute_request", map[string]any{"code": strings.Repeat("x", 2<<10)})
	c.s.Send(zmq4.NewMsgFrom(big...)) // fails once the kernel cuts the connection
	if m := c.recv(time.Second); m != nil {
		t.Fatalf("a message over MaxFrame got a reply: %s", m.Header.MsgType)
	}
	if got := eval.ran(); len(got) != 0 {
		t.Errorf("ran %q from a message over MaxFrame", got)
	}
	tk.kernelInfo(t, tk.conn.ShellPort)
}

func TestSilentPeerDoesNotBlockOthers(t *testing.T) {
	tk := startKernel(t, newFakeEval(), func(k *Kernel) { k.handshake = 200 * time.Millisecond })
	c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(tk.conn.ShellPort)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(wait))
	tk.kernelInfo(t, tk.conn.ShellPort)
	closedByKernel(t, c, "a peer that never greets")
}

func TestReplayedMessageIsRefused(t *testing.T) {
	eval := newFakeEval()
	tk := startKernel(t, eval, nil)
	shell := tk.dealer(t, tk.conn.ShellPort)
	exec := shell.request("execute_request", map[string]any{"code": "1+1", "silent": false})
	shell.send(exec)
	if m := shell.recv(wait); m == nil || m.Header.MsgType != "execute_reply" {
		t.Fatalf("first execute_request: got %+v, want an execute_reply", m)
	}
	shell.send(exec)
	if m := shell.recv(500 * time.Millisecond); m != nil {
		t.Errorf("replayed execute_request got a %s", m.Header.MsgType)
	}
	// The history is shared across channels: the same frames on control
	// are refused too.
	control := tk.dealer(t, tk.conn.ControlPort)
	control.send(exec)
	if m := control.recv(500 * time.Millisecond); m != nil {
		t.Errorf("execute_request replayed on control got a %s", m.Header.MsgType)
	}
	if got := eval.ran(); len(got) != 1 {
		t.Errorf("cells run: %q, want 1+1 once", got)
	}

	// A shutdown_request seen first on stdin (where it is ignored) does not
	// stop the kernel when replayed on control.
	shutdown := control.request("shutdown_request", map[string]any{"restart": false})
	stdin := tk.dealer(t, tk.conn.StdinPort)
	stdin.send(shutdown)
	tk.waitLog(t, "stdin: ignoring shutdown_request")
	control.send(shutdown)
	if m := control.recv(500 * time.Millisecond); m != nil {
		t.Errorf("replayed shutdown_request got a %s", m.Header.MsgType)
	}
	select {
	case <-tk.done:
		t.Fatal("a replayed shutdown_request stopped the kernel")
	default:
	}
	if !strings.Contains(tk.log.String(), "replayed") {
		t.Errorf("the log does not mention the replay:\n%s", tk.log)
	}
	tk.kernelInfo(t, tk.conn.ShellPort)
}

func TestIPCTransport(t *testing.T) {
	dir := t.TempDir()
	tk := startKernel(t, newFakeEval(), func(k *Kernel) { k.conn.Transport, k.conn.IP = "ipc", dir+"/kernel" })
	tk.kernelInfo(t, tk.conn.ControlPort)
	tk.heartbeat(t)
}
