// Package cmem sets up the C heap for XLA, which allocates through malloc.
//
// XLA's CPU runtime allocates each execution's temporary buffer with malloc
// and frees it when the execution ends: for a stories15M LoRA step, 487 MiB.
// glibc serves a block that large with mmap and returns it with munmap, so
// every step faulted in and zeroed 125,000 fresh pages: 17% of the step's
// time went to the kernel (measured with perf). The allocation happens on
// whichever thread runs the execution, and glibc's per-thread arenas map
// large blocks directly whatever M_MMAP_MAX says. With one arena, no mmap and
// no trimming, a freed block goes back to the heap and the next execution
// reuses pages already faulted in: the step went from 0.70 s to 0.56 s.
//
// On Linux with cgo, importing the package makes those settings in a C
// constructor, before any thread has an arena of its own. They matter only
// to C allocations: Go's heap, and so simplego, does not use malloc.
// Because nothing is trimmed by itself, a program calls Release after a
// compilation, whose garbage would otherwise stay resident. Setting
// GOLORA_MALLOC=system leaves glibc's defaults alone.
package cmem

// Compilations calls Release after each execution that compiled a graph, the
// first to run it; the zero value is ready to use. It is not safe for
// concurrent use.
type Compilations struct {
	seen map[any]bool
}

// Ran notes that an execution ran graph (any comparable key that names a
// compiled graph, such as a *graph.Graph) and releases the C heap's free
// pages if it had not run before.
func (c *Compilations) Ran(graph any) {
	if c.seen[graph] {
		return
	}
	if c.seen == nil {
		c.seen = map[any]bool{}
	}
	c.seen[graph] = true
	Release()
}
