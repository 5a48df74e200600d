package lora

import (
	"context"
	"errors"
	"testing"
)

// TestMergeCancelled checks that Merge stops with ctx's error when ctx is
// cancelled.
func TestMergeCancelled(t *testing.T) {
	m := tinyModel(t)
	a, err := newAdapter(m, "cancelled", 2, 4, 0, false, []string{"q_proj", "v_proj"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Merge(ctx, m, a); !errors.Is(err, context.Canceled) {
		t.Errorf("Merge with a cancelled context: %v, want context.Canceled", err)
	}
}
