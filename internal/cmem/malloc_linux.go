//go:build linux && cgo

package cmem

/*
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void golora_malloc_settings(void) {
	const char *v = getenv("GOLORA_MALLOC");
	if (v != NULL && strcmp(v, "system") == 0) {
		return;
	}
	mallopt(M_ARENA_MAX, 1);
	mallopt(M_MMAP_MAX, 0);
	mallopt(M_TRIM_THRESHOLD, 0x7fffffff);
}
*/
import "C"

// Release gives the pages of every free block of the C heap back to the
// system.
func Release() { C.malloc_trim(0) }
