package main

import (
	goruntime "runtime"
	"strings"
	"testing"

	"github.com/golora/golora/builtins/llama"
)

// TestBuildNote checks that a build without GOEXPERIMENT=simd on amd64 is
// told how to rebuild (make check runs this test in such a build too), and
// that a SIMD build is told nothing.
func TestBuildNote(t *testing.T) {
	note := buildNote()
	portable := strings.HasPrefix(llama.MatrixKernels(), "portable (built without")
	switch {
	case portable && goruntime.GOARCH == "amd64":
		if !strings.Contains(note, "GOEXPERIMENT=simd go install") {
			t.Errorf("a build without the experiment is not told how to rebuild: %q", note)
		}
	case note != "":
		t.Errorf("kernels %s, yet the note %q", llama.MatrixKernels(), note)
	}
}
