//go:build amd64 && goexperiment.simd

package llama

import "simd/archsimd"

// simdBuild is true when golora was built with GOEXPERIMENT=simd, which
// compiles the Go backend's AVX2 and AVX-512 matrix kernels.
const simdBuild = true

// cpuKernels names the best SIMD kernels this CPU can run, as
// compute/gobackend picks them: AVX-512 first, then AVX2.
func cpuKernels() (avx512, avx2 bool) { return archsimd.X86.AVX512(), archsimd.X86.AVX2() }
