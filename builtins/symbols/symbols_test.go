package symbols

import (
	"slices"
	"testing"
)

func TestPackages(t *testing.T) {
	paths := Packages()
	if !slices.IsSorted(paths) || !slices.Contains(paths, Prefix+"display") || !slices.Contains(paths, Prefix+"plot/figure") {
		t.Errorf("Packages() = %v", paths)
	}
	names := Names()
	if !slices.Contains(names, "lora") || slices.Contains(names, "figure") || slices.Contains(names, "plot/figure") {
		t.Errorf("Names() = %v", names)
	}
}

// TestCellsSeeOnlyTheCellAPI: the runtime's plumbing of the display
// library (installing a cell's sink, finishing its bars) is not in what
// cells can call.
func TestCellsSeeOnlyTheCellAPI(t *testing.T) {
	display := Symbols[Prefix+"display/display"]
	if !display["Show"].IsValid() {
		t.Fatal("no display.Show among the symbols")
	}
	for _, name := range []string{"SetSink", "FinishBars", "Sink"} {
		if _, ok := display[name]; ok {
			t.Errorf("cells can reach display.%s", name)
		}
	}
}
