package llama

import (
	"runtime"

	"github.com/gomlx/compute/support/envutil"
)

// MatrixKernels says which matrix-product kernels the Go backend uses in
// this build on this CPU: "AVX-512", "AVX2", or "portable" followed by why
// (built without GOEXPERIMENT=simd, not amd64, a CPU without AVX2, or the
// kernels turned off with GOMLX_SIMD_AVX512, GOMLX_SIMD_AVX2 or
// GOMLX_DOT_MATMUL set to false, which compute/gobackend reads). The
// portable kernels are 4–5 times slower (30 against 6.5 GFLOP/s for
// float32 on this project's 2-core AVX2 machine).
func MatrixKernels() string {
	if !envTrue("GOMLX_DOT_MATMUL") {
		return "portable (GOMLX_DOT_MATMUL=false)"
	}
	switch {
	case runtime.GOARCH != "amd64":
		return "portable (" + runtime.GOARCH + ")"
	case !simdBuild:
		return "portable (built without GOEXPERIMENT=simd)"
	}
	avx512, avx2 := cpuKernels()
	switch {
	case avx512 && envTrue("GOMLX_SIMD_AVX512"):
		return "AVX-512"
	case avx2 && envTrue("GOMLX_SIMD_AVX2"):
		return "AVX2"
	case avx512 || avx2:
		return "portable (SIMD kernels turned off by GOMLX_SIMD_AVX512/GOMLX_SIMD_AVX2)"
	}
	return "portable (the CPU has no AVX2)"
}

// envTrue reads a boolean environment variable that defaults to true, as
// compute/gobackend reads it.
func envTrue(name string) bool {
	b, err := envutil.ReadBool(name, true)
	return err != nil || b
}
