package cellout

import (
	"strings"
	"testing"

	"github.com/golora/golora/output"
)

type sink struct{ name string }

func (sink) Display(output.Bundle, output.ID) {}
func (sink) Update(output.Bundle, output.ID)  {}
func (sink) ClearOutput(bool)                 {}

func TestSetSinkRestores(t *testing.T) {
	outer, inner := &sink{"outer"}, &sink{"inner"}
	restoreOuter := SetSink(outer)
	restoreInner := SetSink(inner)
	if Sink() != inner {
		t.Fatalf("Sink() = %v, want the inner sink", Sink())
	}
	restoreInner()
	if Sink() != outer {
		t.Fatalf("after restore, Sink() = %v, want the outer sink", Sink())
	}
	restoreOuter()
	if Sink() != nil {
		t.Fatalf("after both restores, Sink() = %v, want nil", Sink())
	}
}

func TestEndCallsAtEndInOrder(t *testing.T) {
	var got []string
	AtEnd(func(interrupted bool) {
		if interrupted {
			got = append(got, "first, interrupted")
		}
	})
	AtEnd(func(bool) { got = append(got, "second") })
	End(true)
	if want := "first, interrupted; second"; strings.Join(got, "; ") != want {
		t.Errorf("End(true) called %q, want %q", got, want)
	}
}
