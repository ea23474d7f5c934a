// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

//go:build !amd64 || purego || !gc

package argon2

func processBlock(out, in1, in2 *block) {
	processBlockGeneric(out, in1, in2, false)
}

// blockBegin computes the whole block: without assembly there is no
// prefetch for the split to make room for.
func blockBegin(t, out, in1, in2 *block, xor bool) uint64 {
	processBlockGeneric(out, in1, in2, xor)
	return out[0]
}

func blockEnd(t, out, in1, in2 *block, xor bool) {}

func prefetchBlock(b *block) {}
