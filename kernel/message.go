package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// ProtocolVersion is the version of the Jupyter messaging protocol spoken.
const ProtocolVersion = "5.3"

// delimiter separates ZeroMQ routing identities from a message's frames.
var delimiter = []byte("<IDS|MSG>")

// Header is a message's header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is a Jupyter message. Incoming messages keep their header and
// parent header as received, so that replies quote them exactly.
type Message struct {
	Identities [][]byte
	Header     Header
	RawHeader  json.RawMessage // the header as received or sent
	Parent     json.RawMessage // the parent header, "{}" if none
	Metadata   map[string]any
	Content    json.RawMessage
	Buffers    [][]byte
	Received   time.Time // when the kernel read it from its socket

	digest []byte // the verified signature, nil when signing is off
}

// ErrBadMessage is wrapped by every error of Decode.
var ErrBadMessage = errors.New("bad message")

// ErrSignature is wrapped by Decode's error for a wrong or missing
// signature.
var ErrSignature = errors.New("wrong or missing signature")

// maxFrames bounds the frames of one message: identities, the delimiter,
// the signature, four JSON parts and buffers.
const maxFrames = 1024

// Decode parses the frames of a message and verifies its signature with
// key (no verification when key is empty, as the protocol says). It never
// panics; every error wraps ErrBadMessage.
func Decode(frames [][]byte, key []byte) (*Message, error) {
	if len(frames) > maxFrames {
		return nil, fmt.Errorf("%w: %d frames", ErrBadMessage, len(frames))
	}
	d := slices.IndexFunc(frames, func(f []byte) bool { return bytes.Equal(f, delimiter) })
	if d < 0 {
		return nil, fmt.Errorf("%w: no <IDS|MSG> delimiter", ErrBadMessage)
	}
	if len(frames)-d-1 < 5 {
		return nil, fmt.Errorf("%w: %d frames after the delimiter, want at least 5", ErrBadMessage, len(frames)-d-1)
	}
	sig, parts := frames[d+1], frames[d+2:d+6]
	var digest []byte
	if len(key) > 0 {
		want := sign(key, parts)
		got := make([]byte, hex.DecodedLen(len(sig)))
		n, err := hex.Decode(got, sig)
		if err != nil || !hmac.Equal(got[:n], want) {
			return nil, fmt.Errorf("%w: %w", ErrBadMessage, ErrSignature)
		}
		digest = want
	}
	m := &Message{Identities: frames[:d], RawHeader: clone(parts[0]), Parent: clone(parts[1]), Content: clone(parts[3]), digest: digest}
	if err := json.Unmarshal(parts[0], &m.Header); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrBadMessage, err)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("%w: header has no msg_type", ErrBadMessage)
	}
	for name, part := range map[string][]byte{"parent header": parts[1], "content": parts[3]} {
		if !isObject(part) {
			return nil, fmt.Errorf("%w: %s is not a JSON object", ErrBadMessage, name)
		}
	}
	if err := json.Unmarshal(parts[2], &m.Metadata); err != nil || m.Metadata == nil {
		return nil, fmt.Errorf("%w: metadata is not a JSON object", ErrBadMessage)
	}
	for _, b := range frames[d+6:] {
		m.Buffers = append(m.Buffers, clone(b))
	}
	return m, nil
}

func isObject(b []byte) bool {
	var v map[string]json.RawMessage
	return json.Unmarshal(b, &v) == nil && v != nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// sign returns the HMAC-SHA256 of the four JSON parts of a message.
func sign(key []byte, parts [][]byte) []byte {
	mac := hmac.New(sha256.New, key)
	for _, p := range parts {
		mac.Write(p)
	}
	return mac.Sum(nil)
}

// Encode returns the frames of a message, signed with key.
func (m *Message) Encode(key []byte) ([][]byte, error) {
	parent := m.Parent
	if len(parent) == 0 {
		parent = json.RawMessage("{}")
	}
	meta := m.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	content := m.Content
	if len(content) == 0 {
		content = json.RawMessage("{}")
	}
	parts := [][]byte{m.RawHeader, parent, metaJSON, content}
	sig := ""
	if len(key) > 0 {
		sig = hex.EncodeToString(sign(key, parts))
	}
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	frames = append(frames, delimiter, []byte(sig))
	frames = append(frames, parts...)
	frames = append(frames, m.Buffers...)
	return frames, nil
}

// newMessage makes a message of msgType in session, in reply to parent
// (nil for none), with content encoded as JSON.
func newMessage(session, msgType string, parent *Message, content any) (*Message, error) {
	h := Header{
		MsgID:    uuid.NewString(),
		Session:  session,
		Username: "golora",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("%s content: %w", msgType, err)
	}
	m := &Message{Header: h, RawHeader: raw, Content: body, Parent: json.RawMessage("{}")}
	if parent != nil {
		m.Parent = parent.RawHeader
		m.Identities = parent.Identities
	}
	return m, nil
}
