// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build amd64 && gc && !purego

package argon2

//go:generate go run gen_split.go

import "golang.org/x/sys/cpu"

func init() {
	useSSE4 = cpu.X86.HasSSE41
}

//go:noescape
func mixBlocksSSE2(out, a, b, c *block)

//go:noescape
func xorBlocksSSE2(out, a, b, c *block)

//go:noescape
func blamkaSSE4(b *block)

func processBlockSSE(out, in1, in2 *block, xor bool) {
	var t block
	mixBlocksSSE2(&t, in1, in2, &t)
	if useSSE4 {
		blamkaSSE4(&t)
	} else {
		for i := 0; i < blockLength; i += 16 {
			blamkaGeneric(
				&t[i+0], &t[i+1], &t[i+2], &t[i+3],
				&t[i+4], &t[i+5], &t[i+6], &t[i+7],
				&t[i+8], &t[i+9], &t[i+10], &t[i+11],
				&t[i+12], &t[i+13], &t[i+14], &t[i+15],
			)
		}
		for i := 0; i < blockLength/8; i += 2 {
			blamkaGeneric(
				&t[i], &t[i+1], &t[16+i], &t[16+i+1],
				&t[32+i], &t[32+i+1], &t[48+i], &t[48+i+1],
				&t[64+i], &t[64+i+1], &t[80+i], &t[80+i+1],
				&t[96+i], &t[96+i+1], &t[112+i], &t[112+i+1],
			)
		}
	}
	if xor {
		xorBlocksSSE2(out, in1, in2, &t)
	} else {
		mixBlocksSSE2(out, in1, in2, &t)
	}
}

func processBlock(out, in1, in2 *block) {
	processBlockSSE(out, in1, in2, false)
}

// blamkaRowsCol0SSE4 and blamkaCols17SSE4 are blamkaSSE4 cut after its first
// column round (blamka_split_amd64.s, made from blamka_amd64.s by
// gen_split.go): that round finishes words 0 and 1.
//
//go:noescape
func blamkaRowsCol0SSE4(b *block)

//go:noescape
func blamkaCols17SSE4(b *block)

// prefetchBlock asks the CPU to bring b into cache, without waiting for it.
//
//go:noescape
func prefetchBlock(b *block)

// zeroBlock is never written: it is mixBlocksSSE2's third input when the
// result should be just in1 ^ in2.
var zeroBlock block

// blockBegin starts computing G(in1, in2) into out (XORed into it if xor),
// working in t, and returns the new block's word 0: under data-dependent
// addressing it picks the next block's reference, which the caller can then
// prefetch while blockEnd finishes the block.
func blockBegin(t, out, in1, in2 *block, xor bool) uint64 {
	if !useSSE4 {
		processBlockSSE(out, in1, in2, xor)
		return out[0]
	}
	mixBlocksSSE2(t, in1, in2, &zeroBlock)
	blamkaRowsCol0SSE4(t)
	w := in1[0] ^ in2[0] ^ t[0]
	if xor {
		w ^= out[0]
	}
	return w
}

// blockEnd finishes the block blockBegin started, with the same arguments.
func blockEnd(t, out, in1, in2 *block, xor bool) {
	if !useSSE4 {
		return // blockBegin did all of it
	}
	blamkaCols17SSE4(t)
	if xor {
		xorBlocksSSE2(out, in1, in2, t)
	} else {
		mixBlocksSSE2(out, in1, in2, t)
	}
}
