package kernel

import "testing"

func TestDigestHistoryForgetsTheOldest(t *testing.T) {
	h := newDigestHistory(3)
	for _, d := range []string{"a", "b", "c"} {
		if h.seen([]byte(d)) {
			t.Fatalf("%s seen before it was added", d)
		}
	}
	if !h.seen([]byte("a")) {
		t.Fatal("a not seen after it was added")
	}
	if h.seen([]byte("d")) { // evicts a
		t.Fatal("d seen before it was added")
	}
	if len(h.set) != 3 || len(h.ring) != 3 {
		t.Fatalf("history holds %d signatures (ring %d), want 3", len(h.set), len(h.ring))
	}
	if h.seen([]byte("a")) {
		t.Error("a still remembered after three newer signatures")
	}
	if !h.seen([]byte("d")) {
		t.Error("d forgotten")
	}
}
