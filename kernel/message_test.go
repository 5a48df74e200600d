package kernel

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func frames(t testing.TB, key []byte, header, parent, meta, content string, ids ...string) [][]byte {
	t.Helper()
	parts := [][]byte{[]byte(header), []byte(parent), []byte(meta), []byte(content)}
	var out [][]byte
	for _, id := range ids {
		out = append(out, []byte(id))
	}
	sig := ""
	if len(key) > 0 {
		sig = hex.EncodeToString(sign(key, parts))
	}
	out = append(out, delimiter, []byte(sig))
	return append(out, parts...)
}

const header = `{"msg_id":"1","session":"s","username":"u","date":"2026-01-01T00:00:00Z","msg_type":"execute_request","version":"5.3"}`

func TestDecodeVerifiesSignature(t *testing.T) {
	key := []byte("secret")
	good := frames(t, key, header, "{}", "{}", `{"code":"1+1"}`, "client-1")
	m, err := Decode(good, key)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.MsgType != "execute_request" || string(m.Identities[0]) != "client-1" || string(m.Content) != `{"code":"1+1"}` {
		t.Errorf("decoded %+v", m)
	}
	for name, f := range map[string][][]byte{
		"wrong key":         frames(t, []byte("other"), header, "{}", "{}", `{"code":"1+1"}`),
		"missing signature": frames(t, nil, header, "{}", "{}", `{"code":"1+1"}`),
		"tampered content":  append(good[:len(good)-1:len(good)-1], []byte(`{"code":"2+2"}`)),
		"signature not hex": append(append(append([][]byte{}, good[:2]...), []byte("zz")), good[3:]...),
	} {
		if _, err := Decode(f, key); !errors.Is(err, ErrSignature) {
			t.Errorf("%s: err = %v, want ErrSignature", name, err)
		}
	}
	// With an empty key, signing is off.
	if _, err := Decode(frames(t, nil, header, "{}", "{}", "{}"), nil); err != nil {
		t.Errorf("unsigned message with empty key: %v", err)
	}
}

func TestDecodeRejectsMalformed(t *testing.T) {
	for name, f := range map[string][][]byte{
		"no delimiter":     {[]byte("a"), []byte("b")},
		"too few frames":   {delimiter, []byte(""), []byte(header)},
		"header not JSON":  frames(t, nil, "{", "{}", "{}", "{}"),
		"no msg_type":      frames(t, nil, `{"msg_id":"1"}`, "{}", "{}", "{}"),
		"content an array": frames(t, nil, header, "{}", "{}", "[]"),
		"metadata null":    frames(t, nil, header, "{}", "null", "{}"),
		"parent a string":  frames(t, nil, header, `"x"`, "{}", "{}"),
	} {
		if _, err := Decode(f, nil); !errors.Is(err, ErrBadMessage) {
			t.Errorf("%s: err = %v, want ErrBadMessage", name, err)
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	key := []byte("k")
	req, err := Decode(frames(t, key, header, "{}", "{}", "{}", "id-a", "id-b"), key)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMessage("session-1", "execute_reply", req, map[string]any{"status": "ok", "execution_count": 1})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := m.Encode(key)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(raw, key)
	if err != nil {
		t.Fatalf("decoding our own message: %v", err)
	}
	if len(back.Identities) != 2 || string(back.Identities[1]) != "id-b" {
		t.Errorf("identities %q", back.Identities)
	}
	if !bytes.Equal(back.Parent, req.RawHeader) {
		t.Errorf("parent header %s, want %s", back.Parent, req.RawHeader)
	}
	var h Header
	json.Unmarshal(back.RawHeader, &h)
	if h.Version != ProtocolVersion || h.MsgType != "execute_reply" || h.Session != "session-1" || !strings.HasSuffix(h.Date, "Z") {
		t.Errorf("header %+v", h)
	}
}

func TestReadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	good := `{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"control_port":2,"stdin_port":3,"iopub_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`
	if _, err := ReadConnectionFile(write("good.json", good)); err != nil {
		t.Errorf("good file: %v", err)
	}
	for name, body := range map[string]string{
		"bad.json":    `{"transport":`,
		"udp.json":    strings.Replace(good, `"tcp"`, `"udp"`, 1),
		"noport.json": strings.Replace(good, `"hb_port":5`, `"hb_port":0`, 1),
		"md5.json":    strings.Replace(good, `hmac-sha256`, `hmac-md5`, 1),
	} {
		_, err := ReadConnectionFile(write(name, body))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want one naming the file", name, err)
		}
	}
	if _, err := ReadConnectionFile(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzDecode feeds the wire-message parser arbitrary frames: it must never
// panic, and what it accepts must survive a re-encoding.
func FuzzDecode(f *testing.F) {
	key := []byte("fuzz-key")
	seed := func(fr [][]byte) {
		f.Add(bytes.Join(fr, []byte{0}), true)
		f.Add(bytes.Join(fr, []byte{0}), false)
	}
	seed(frames(f, key, header, "{}", "{}", `{"code":"1+1","silent":false}`, "client"))
	seed(frames(f, key, header, header, `{"a":[1,2]}`, `{}`))
	seed(frames(f, nil, header, "{}", "{}", "{}"))
	seed([][]byte{delimiter})
	seed([][]byte{[]byte("id"), delimiter, []byte("00"), []byte("{}"), []byte("{}"), []byte("{}"), []byte("{}"), []byte("buf")})
	f.Fuzz(func(t *testing.T, data []byte, signed bool) {
		fr := bytes.Split(data, []byte{0})
		k := key
		if !signed {
			k = nil
		}
		m, err := Decode(fr, k)
		if err != nil {
			if !errors.Is(err, ErrBadMessage) {
				t.Fatalf("error does not wrap ErrBadMessage: %v", err)
			}
			return
		}
		out, err := m.Encode(k)
		if err != nil {
			t.Fatalf("re-encoding an accepted message: %v", err)
		}
		if _, err := Decode(out, k); err != nil {
			t.Fatalf("re-encoded message rejected: %v", err)
		}
	})
}
