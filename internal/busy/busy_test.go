package busy

import (
	"context"
	"testing"
)

func TestEnter(t *testing.T) {
	ctx, c := WithCounter(context.Background())
	child, cancel := context.WithCancel(ctx)
	defer cancel()
	exit := Enter(child)
	inner := Enter(ctx)
	if got := c.Running(); got != 2 {
		t.Fatalf("Running = %d with two builtins entered, want 2", got)
	}
	inner()
	inner() // a second call must not count twice
	if got := c.Running(); got != 1 {
		t.Fatalf("Running = %d after one exit (called twice), want 1", got)
	}
	exit()
	if got := c.Running(); got != 0 {
		t.Fatalf("Running = %d after both exits, want 0", got)
	}
}

func TestEnterWithoutCounter(t *testing.T) {
	Enter(context.Background())() // must not panic
}
