package kernel

import "sync"

// digestHistorySize is how many signatures a kernel remembers to refuse a
// replayed message, as jupyter_client's Session.digest_history_size.
const digestHistorySize = 1 << 16

// digestHistory is a bounded set of the signatures of recent messages: a
// message whose signature is in it is a replay. When full, the oldest
// signature makes room for the newest.
type digestHistory struct {
	mu   sync.Mutex
	size int
	set  map[string]struct{}
	ring []string // the signatures in arrival order, from next on
	next int      // where the next signature goes once ring is full
}

func newDigestHistory(size int) *digestHistory {
	return &digestHistory{size: size, set: make(map[string]struct{})}
}

// seen reports whether digest was added before, and adds it if not.
func (h *digestHistory) seen(digest []byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := string(digest)
	if _, ok := h.set[d]; ok {
		return true
	}
	h.set[d] = struct{}{}
	if len(h.ring) < h.size {
		h.ring = append(h.ring, d)
		return false
	}
	delete(h.set, h.ring[h.next])
	h.ring[h.next] = d
	h.next = (h.next + 1) % h.size
	return false
}
