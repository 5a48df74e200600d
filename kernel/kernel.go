package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"runtime"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/google/uuid"

	"github.com/golora/golora/kernelspec"
)

// Info describes the kernel in kernel_info replies.
type Info struct {
	Implementation        string
	ImplementationVersion string
	Language              kernelspec.LanguageInfo // the reply's language_info
	Banner                string
	HelpLinks             []HelpLink
}

// HelpLink is an entry of the help menu.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Kernel serves one Jupyter connection.
type Kernel struct {
	// MaxFrame is the most bytes a peer may send in one ZMTP frame, and in
	// the frames of one message; a peer that announces more has its
	// connection closed before anything is allocated. Zero means
	// DefaultMaxFrame. Set it before Run.
	MaxFrame int64

	handshake time.Duration // how long a peer may take to greet; 0 for handshakeTimeout

	conn    ConnectionInfo
	eval    Evaluator
	info    Info
	key     []byte
	session string
	log     *log.Logger

	shell, control, stdin, iopub, hb *socket

	queue chan *Message // shell requests, in arrival order
	count int           // execution count

	abortMu    sync.Mutex
	abortUntil time.Time // execute requests that arrived before this are aborted

	inputs chan *Message // input replies

	digests *digestHistory // signatures seen, to refuse replays

	runMu   sync.Mutex
	running chan struct{} // closed when the shell request now running ends; nil when none runs

	stop     chan struct{}
	stopOnce sync.Once
	restart  bool
}

// socket is a ZeroMQ socket whose sends are serialised.
type socket struct {
	name string
	zmq4.Socket
	mu sync.Mutex
}

// New returns a kernel for a connection; Run binds and serves it.
func New(conn ConnectionInfo, eval Evaluator, info Info, logw io.Writer) (*Kernel, error) {
	if err := conn.Validate(); err != nil {
		return nil, err
	}
	if logw == nil {
		logw = io.Discard
	}
	return &Kernel{
		conn:    conn,
		eval:    eval,
		info:    info,
		key:     []byte(conn.Key),
		session: uuid.NewString(),
		log:     log.New(logw, "golora kernel: ", log.LstdFlags),
		queue:   make(chan *Message, 1024),
		inputs:  make(chan *Message, 1),
		digests: newDigestHistory(digestHistorySize),
		stop:    make(chan struct{}),
	}, nil
}

// Run binds the sockets and serves requests until a shutdown request or
// until ctx is done. It returns an error if a socket cannot be bound, such
// as when its port is in use.
func (k *Kernel) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var err error
	bind := func(name string, newSocket func(context.Context, ...zmq4.Option) zmq4.Socket, port int) *socket {
		if err != nil {
			return nil
		}
		s := newSocket(withListenConfig(context.Background(), listenConfig{name: name, maxFrame: k.MaxFrame, handshake: k.handshake, log: k.log}),
			zmq4.WithLogger(log.New(k.log.Writer(), k.log.Prefix()+name+": ", k.log.Flags())))
		ep := k.conn.endpoint(port)
		if e := s.Listen(guardedPrefix + ep); e != nil {
			s.Close()
			err = fmt.Errorf("%s socket on %s: %w", name, ep, e)
			return nil
		}
		return &socket{name: name, Socket: s}
	}
	router := func(id string) func(context.Context, ...zmq4.Option) zmq4.Socket {
		return func(ctx context.Context, opts ...zmq4.Option) zmq4.Socket {
			return zmq4.NewRouter(ctx, append(opts, zmq4.WithID(zmq4.SocketIdentity(id)))...)
		}
	}
	k.shell = bind("shell", router("golora-shell"), k.conn.ShellPort)
	k.control = bind("control", router("golora-control"), k.conn.ControlPort)
	k.stdin = bind("stdin", router("golora-stdin"), k.conn.StdinPort)
	k.iopub = bind("iopub", zmq4.NewPub, k.conn.IOPubPort)
	k.hb = bind("heartbeat", zmq4.NewRep, k.conn.HBPort)
	defer k.closeSockets()
	if err != nil {
		return err
	}

	k.publish(nil, "status", map[string]any{"execution_state": "starting"})
	go k.heartbeat()
	go k.receive(k.shell, func(m *Message) { k.queue <- m })
	go k.receive(k.control, func(m *Message) { k.dispatch(ctx, k.control, controlHandlers, m) })
	go k.receive(k.stdin, func(m *Message) {
		if m.Header.MsgType != "input_reply" {
			k.log.Printf("stdin: ignoring %s", m.Header.MsgType)
			return
		}
		select {
		case k.inputs <- m:
		default:
			k.log.Printf("stdin: input_reply that no cell asked for")
		}
	})
	go func() {
		for {
			select {
			case m := <-k.queue:
				done := k.starting()
				k.dispatch(ctx, k.shell, shellHandlers, m)
				k.finished(done)
			case <-k.stop:
				return
			}
		}
	}()
	select {
	case <-k.stop:
	case <-ctx.Done():
	}
	return nil
}

// Restart reports whether the shutdown that ended Run asked for a restart.
func (k *Kernel) Restart() bool { return k.restart }

// Interrupt interrupts the running cell, as an interrupt_request does; it
// is what the kernel does on SIGINT.
func (k *Kernel) Interrupt() { k.eval.Interrupt() }

func (k *Kernel) shutdown(restart bool) {
	k.stopOnce.Do(func() {
		k.restart = restart
		close(k.stop)
	})
}

// starting records that a shell request runs, until finished.
func (k *Kernel) starting() chan struct{} {
	done := make(chan struct{})
	k.runMu.Lock()
	k.running = done
	k.runMu.Unlock()
	return done
}

func (k *Kernel) finished(done chan struct{}) {
	k.runMu.Lock()
	k.running = nil
	k.runMu.Unlock()
	close(done)
}

// waitIdle waits until the shell request running now, if any, ends, and
// reports whether it did within timeout.
func (k *Kernel) waitIdle(timeout time.Duration) bool {
	k.runMu.Lock()
	done := k.running
	k.runMu.Unlock()
	if done == nil {
		return true
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

func (k *Kernel) closeSockets() {
	for _, s := range []*socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			s.Close()
		}
	}
}

func (k *Kernel) heartbeat() {
	for {
		msg, err := k.hb.Recv()
		if err != nil {
			if k.stopped() {
				return
			}
			k.log.Printf("heartbeat: %v", err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err := k.hb.Send(msg); err != nil && !k.stopped() {
			k.log.Printf("heartbeat: %v", err)
		}
	}
}

func (k *Kernel) stopped() bool {
	select {
	case <-k.stop:
		return true
	default:
		return false
	}
}

// receive reads a socket's messages, drops those that fail to decode or to
// verify, and hands the others to handle.
func (k *Kernel) receive(s *socket, handle func(*Message)) {
	for {
		raw, err := s.Recv()
		if err != nil {
			if k.stopped() || errors.Is(err, context.Canceled) {
				return
			}
			k.log.Printf("%s: receive: %v", s.name, err)
			time.Sleep(10 * time.Millisecond)
			continue
		}
		m, err := Decode(raw.Frames, k.key)
		if err != nil {
			k.log.Printf("%s: dropped a message: %v", s.name, err)
			continue
		}
		if m.digest != nil && k.digests.seen(m.digest) {
			k.log.Printf("%s: dropped a replayed %s (its signature was seen before)", s.name, m.Header.MsgType)
			continue
		}
		m.Received = time.Now()
		handle(m)
	}
}

// send signs and sends a message on a socket.
func (k *Kernel) send(s *socket, m *Message) {
	frames, err := m.Encode(k.key)
	if err != nil {
		k.log.Printf("%s: encoding %s: %v", s.name, m.Header.MsgType, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil && !k.stopped() {
		k.log.Printf("%s: sending %s: %v", s.name, m.Header.MsgType, err)
	}
}

// reply sends the reply to a request on the socket it came from.
func (k *Kernel) reply(s *socket, req *Message, msgType string, content any) {
	m, err := newMessage(k.session, msgType, req, content)
	if err != nil {
		k.log.Printf("%s: %v", s.name, err)
		return
	}
	k.send(s, m)
}

// publish sends a message on iopub, with req as its parent (nil for none).
func (k *Kernel) publish(req *Message, msgType string, content any) {
	m, err := newMessage(k.session, msgType, req, content)
	if err != nil {
		k.log.Printf("iopub: %v", err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + k.session + "." + msgType)}
	k.send(k.iopub, m)
}

// handler answers one message type.
type handler func(k *Kernel, ctx context.Context, s *socket, req *Message)

// dispatch runs a request's handler inside the envelope every request gets:
// status busy first, status idle last, and a panic turned into an error
// reply rather than the end of the kernel.
func (k *Kernel) dispatch(ctx context.Context, s *socket, table map[string]handler, req *Message) {
	k.publish(req, "status", map[string]any{"execution_state": "busy"})
	defer k.publish(req, "status", map[string]any{"execution_state": "idle"})
	defer func() {
		if r := recover(); r != nil {
			buf := make([]byte, 16<<10)
			buf = buf[:runtime.Stack(buf, false)]
			k.log.Printf("%s: %s handler panicked: %v\n%s", s.name, req.Header.MsgType, r, buf)
			k.reply(s, req, replyType(req.Header.MsgType), errorContent("InternalError", fmt.Sprint(r), nil))
		}
	}()
	h, ok := table[req.Header.MsgType]
	if !ok {
		k.log.Printf("%s: unknown message type %q (ignored)", s.name, req.Header.MsgType)
		if rt := replyType(req.Header.MsgType); rt != "" {
			k.reply(s, req, rt, errorContent("UnknownMessageType", fmt.Sprintf("golora does not handle %s messages on the %s channel", req.Header.MsgType, s.name), nil))
		}
		return
	}
	h(k, ctx, s, req)
}

// replyType returns the reply's type for a request's ("x_request" →
// "x_reply"), or "" for a message that is not a request.
func replyType(msgType string) string {
	const suffix = "_request"
	if len(msgType) > len(suffix) && msgType[len(msgType)-len(suffix):] == suffix {
		return msgType[:len(msgType)-len(suffix)] + "_reply"
	}
	return ""
}

func errorContent(ename, evalue string, traceback []string) map[string]any {
	if traceback == nil {
		traceback = []string{ename + ": " + evalue}
	}
	return map[string]any{"status": "error", "ename": ename, "evalue": evalue, "traceback": traceback}
}

// decodeContent decodes a request's content, with defaults set beforehand.
func decodeContent(req *Message, v any) error {
	if err := json.Unmarshal(req.Content, v); err != nil {
		return fmt.Errorf("%s: content: %w", req.Header.MsgType, err)
	}
	return nil
}
