//go:build !(amd64 && goexperiment.simd)

package llama

// simdBuild is false: golora was built without GOEXPERIMENT=simd (or not for
// amd64), so the Go backend has only its portable matrix kernels.
const simdBuild = false

func cpuKernels() (avx512, avx2 bool) { return false, false }
