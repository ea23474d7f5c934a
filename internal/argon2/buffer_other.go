//go:build !linux

package argon2

func newBlocks(_ *Buffer, memory uint32) []block { return make([]block, memory) }

func release([]byte) {}
