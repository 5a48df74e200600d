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
// Because nothing is trimmed by itself, a program runs its graphs through
// Compilations, which calls Release after a compilation, whose garbage would
// otherwise stay resident. Setting
// GOLORA_MALLOC=system leaves glibc's defaults alone.
package cmem

import (
	"sync"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Compilations runs compiled graphs and calls Release after each execution
// that compiled one, the first to run it. The zero value is ready to use; it
// is safe for concurrent use.
type Compilations struct {
	mu   sync.Mutex
	seen map[*graph.Graph]bool
}

// Exec runs exec with args, as exec.Exec does, and releases the C heap's
// free pages if the execution compiled a graph.
func (c *Compilations) Exec(exec *model.Exec, args ...any) ([]*tensors.Tensor, error) {
	out, g, err := exec.CallWithGraph(args...)
	if err != nil {
		return out, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.seen[g] {
		if c.seen == nil {
			c.seen = map[*graph.Graph]bool{}
		}
		c.seen[g] = true
		Release()
	}
	return out, nil
}
