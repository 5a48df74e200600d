package llama

import (
	"runtime"
	"strings"
	"testing"
)

func TestChooseBackend(t *testing.T) {
	for _, c := range []struct {
		env, name, config, note string
	}{
		{"", "go", simplegoDefaults, ""},
		{"go", "go", simplegoDefaults, ""},
		{"simplego", "go", simplegoDefaults, ""}, // GoMLX's name before v0.28.
		{"go:dotgeneral_small", "go", "dotgeneral_small," + simplegoDefaults, ""},
		{"go:parallelism=4", "go", "parallelism=4", ""}, // The user's executor setting wins.
		{"go:ops_sequential", "go", "ops_sequential", ""},
		{"go:ops_parallel", "go", "ops_parallel," + simplegoDefaults, ""}, // Would deadlock on bounded workers.
		{"xla:/no/such/pjrt_plugin.so", "go", simplegoDefaults, "no such file"},
		{"tpu", "go", simplegoDefaults, "names no backend"},
	} {
		t.Setenv(BackendEnv, c.env)
		got := chooseBackend()
		if got.name != c.name || got.config != c.config || !strings.Contains(got.note, c.note) || (c.note == "") != (got.note == "") {
			t.Errorf("%s=%q: chose %+v, want %s (%s) with a note containing %q", BackendEnv, c.env, got, c.name, c.config, c.note)
		}
	}
}

// TestMatrixKernels checks that the kernels reported are those this build
// and CPU give the Go backend, that turning them off is reported, and that
// Backend names them.
func TestMatrixKernels(t *testing.T) {
	avx512, avx2 := cpuKernels()
	want := "AVX2"
	switch {
	case runtime.GOARCH != "amd64":
		want = "portable (" + runtime.GOARCH + ")"
	case !simdBuild:
		want = "portable (built without GOEXPERIMENT=simd)"
	case avx512:
		want = "AVX-512"
	case !avx2:
		want = "portable (the CPU has no AVX2)"
	}
	t.Setenv(BackendEnv, "")
	if got := MatrixKernels(); got != want {
		t.Errorf("MatrixKernels() = %q, want %q", got, want)
	}
	if b := Backend(); !strings.Contains(b, want+" matrix kernels") {
		t.Errorf("Backend() = %q, does not name the kernels %q", b, want)
	}
	t.Setenv("GOMLX_SIMD_AVX512", "false")
	t.Setenv("GOMLX_SIMD_AVX2", "false")
	if got := MatrixKernels(); !strings.HasPrefix(got, "portable") {
		t.Errorf("with the SIMD kernels turned off, MatrixKernels() = %q", got)
	}
	t.Setenv("GOMLX_SIMD_AVX2", "")
	t.Setenv("GOMLX_DOT_MATMUL", "false")
	if got := MatrixKernels(); got != "portable (GOMLX_DOT_MATMUL=false)" {
		t.Errorf("with GOMLX_DOT_MATMUL=false, MatrixKernels() = %q", got)
	}
}
