//go:build linux

package argon2

import (
	"runtime"
	"syscall"
	"unsafe"
)

// newBlocks maps the working memory outside the Go heap: the garbage
// collector neither scans it nor counts it toward its heap goal, so a few
// long-lived hash buffers do not double the heap target. It is unmapped
// when the Buffer is collected.
func newBlocks(buf *Buffer, memory uint32) []block {
	if memory == 0 {
		return nil
	}
	size := int(memory) * blockLength * 8
	// A huge page more than needed, so the blocks can start on a huge-page
	// boundary: argon2 reads blocks at random all over its memory, and with
	// 4 KiB pages most of those reads also miss the TLB.
	mem, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]block, memory)
	}
	runtime.AddCleanup(buf, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	pad := (hugePage - int(uintptr(unsafe.Pointer(&mem[0]))%hugePage)) % hugePage
	blocks := mem[pad : pad+size : pad+size]
	_ = syscall.Madvise(blocks, syscall.MADV_HUGEPAGE) // a no-op where transparent huge pages are off
	buf.mapped = blocks
	return unsafe.Slice((*block)(unsafe.Pointer(&blocks[0])), memory)
}

const hugePage = 2 << 20

// release drops the mapping's pages: RSS falls at once, and the next touch
// of each page gets a zeroed one (argon2 overwrites every block before it
// reads it, so zeros are as good as what was there).
func release(mem []byte) {
	if len(mem) > 0 {
		_ = syscall.Madvise(mem, syscall.MADV_DONTNEED)
	}
}
