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
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]block, memory)
	}
	runtime.AddCleanup(buf, func(m []byte) { _ = syscall.Munmap(m) }, mem)
	buf.mapped = mem
	return unsafe.Slice((*block)(unsafe.Pointer(&mem[0])), memory)
}

// release drops the mapping's pages: RSS falls at once, and the next touch
// of each page gets a zeroed one (argon2 overwrites every block before it
// reads it, so zeros are as good as what was there).
func release(mem []byte) {
	if len(mem) > 0 {
		_ = syscall.Madvise(mem, syscall.MADV_DONTNEED)
	}
}
