// Copyright 2017 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package argon2 is golang.org/x/crypto/argon2 (v0.59.0) with five changes.
// The memory a hash works in can be a reusable Buffer: x/crypto allocates
// m KiB afresh per call, so under a login flood RSS follows the garbage
// collector rather than the number of hashes running; with one Buffer per
// hashing slot it is fixed (on Linux it is mapped outside the Go heap, on
// transparent huge pages where the kernel offers them, and can be handed
// back to the kernel when idle). Every yieldBlocks blocks a hash lets waiting
// goroutines run, so requests are not stuck behind it. The first pass
// overwrites blocks instead of XORing into zeroed memory, so a reused Buffer
// needs no clearing. And on amd64 the reference block the next block will
// need is prefetched while the current block is computed. The last lane of
// each segment runs on the calling goroutine, so a one-lane hash starts no
// goroutines. Output is identical (tests compare against x/crypto;
// FuzzDifferential explores further). UPSTREAM records the x/crypto version
// and the SHA-256 of each upstream file; scripts/argon2-upstream.sh (run by
// CI) fails when the x/crypto in go.mod differs from it, so upstream fixes
// are reviewed and ported rather than missed.
package argon2

import (
	"encoding/binary"
	"sync"

	"golang.org/x/crypto/blake2b"
)

// The Argon2 version implemented by this package.
const Version = 0x13

const (
	argon2d = iota
	argon2i
	argon2id
)

// Key derives a key from the password, salt, and cost parameters using Argon2i
// returning a byte slice of length keyLen that can be used as cryptographic
// key. The CPU cost and parallelism degree must be greater than zero.
//
// For example, you can get a derived key for e.g. AES-256 (which needs a
// 32-byte key) by doing:
//
//	key := argon2.Key([]byte("some password"), salt, 3, 32*1024, 4, 32)
//
// The example above uses time=3 and memory=32*1024. Argon2i generally
// requires more passes over memory than Argon2id. If in doubt, prefer IDKey
// and its Argon2id parameter recommendations.
//
// The time parameter specifies the number of passes over the memory and the
// memory parameter specifies the size of the memory in KiB. For example
// memory=32*1024 sets the memory cost to ~32 MB. The number of threads can be
// adjusted to the number of available CPUs. The cost parameters should be
// increased as memory latency and CPU parallelism increases. Remember to get a
// good random salt.
func Key(buf *Buffer, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	return deriveKey(buf, argon2i, password, salt, nil, nil, time, memory, threads, keyLen)
}

// IDKey derives a key from the password, salt, and cost parameters using
// Argon2id returning a byte slice of length keyLen that can be used as
// cryptographic key. The CPU cost and parallelism degree must be greater than
// zero.
//
// For example, you can get a derived key for e.g. AES-256 (which needs a
// 32-byte key) by doing:
//
//	key := argon2.IDKey([]byte("some password"), salt, 1, 2*1024*1024, 4, 32)
//
// The example above uses the first [RFC 9106 Section 4] recommended option.
// If much less memory is available, the second recommended option is time=3,
// memory=64*1024 KiB (64 MiB), and threads=4.
//
// The time parameter specifies the number of passes over the memory and the
// memory parameter specifies the size of the memory in KiB. For example
// memory=2*1024*1024 sets the memory cost to ~2 GiB. The number of threads can
// be adjusted to the numbers of available CPUs. The cost parameters should be
// increased as memory latency and CPU parallelism increases. Remember to get a
// good random salt.
//
// [RFC 9106 Section 4]: https://www.rfc-editor.org/rfc/rfc9106.html#section-4
func IDKey(buf *Buffer, password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	return deriveKey(buf, argon2id, password, salt, nil, nil, time, memory, threads, keyLen)
}

// Buffer is working memory for one hash at a time; it is not safe for
// concurrent use. A hash that needs more memory than the Buffer holds
// allocates its own instead of growing it.
type Buffer struct {
	blocks []block
	mapped []byte // the blocks' own mapping, when they are outside the Go heap
}

// Release gives the Buffer's memory back to the operating system; its next
// hash maps it again, zero-filled, as the first did. Not while a hash is
// using the Buffer. Where the memory is on the Go heap it does nothing.
func (b *Buffer) Release() { release(b.mapped) }

// NewBuffer holds enough memory for hashes of up to memory KiB.
func NewBuffer(memory uint32) *Buffer {
	b := &Buffer{}
	b.blocks = newBlocks(b, memory)
	return b
}

func deriveKey(buf *Buffer, mode int, password, salt, secret, data []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	if time < 1 {
		panic("argon2: number of rounds too small")
	}
	if threads < 1 {
		panic("argon2: parallelism degree too low")
	}
	h0 := initHash(password, salt, secret, data, time, memory, uint32(threads), keyLen, mode)

	memory = memory / (syncPoints * uint32(threads)) * (syncPoints * uint32(threads))
	if memory < 2*syncPoints*uint32(threads) {
		memory = 2 * syncPoints * uint32(threads)
	}
	B := initBlocks(buf, &h0, memory, uint32(threads))
	processBlocks(B, time, memory, uint32(threads), mode)
	return extractKey(B, memory, uint32(threads), keyLen)
}

const (
	blockLength = 128
	syncPoints  = 4
)

type block [blockLength]uint64

func initHash(password, salt, key, data []byte, time, memory, threads, keyLen uint32, mode int) [blake2b.Size + 8]byte {
	var (
		h0     [blake2b.Size + 8]byte
		params [24]byte
		tmp    [4]byte
	)

	b2, _ := blake2b.New512(nil)
	binary.LittleEndian.PutUint32(params[0:4], threads)
	binary.LittleEndian.PutUint32(params[4:8], keyLen)
	binary.LittleEndian.PutUint32(params[8:12], memory)
	binary.LittleEndian.PutUint32(params[12:16], time)
	binary.LittleEndian.PutUint32(params[16:20], uint32(Version))
	binary.LittleEndian.PutUint32(params[20:24], uint32(mode))
	b2.Write(params[:])
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(password)))
	b2.Write(tmp[:])
	b2.Write(password)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(salt)))
	b2.Write(tmp[:])
	b2.Write(salt)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(key)))
	b2.Write(tmp[:])
	b2.Write(key)
	binary.LittleEndian.PutUint32(tmp[:], uint32(len(data)))
	b2.Write(tmp[:])
	b2.Write(data)
	b2.Sum(h0[:0])
	return h0
}

func initBlocks(buf *Buffer, h0 *[blake2b.Size + 8]byte, memory, threads uint32) []block {
	var block0 [1024]byte
	var B []block
	if buf != nil && uint32(len(buf.blocks)) >= memory {
		// No clearing: the first pass overwrites every block (below and in
		// processBlocks), so a reused buffer's leftovers never reach the key.
		B = buf.blocks[:memory]
	} else {
		B = make([]block, memory)
	}
	for lane := uint32(0); lane < threads; lane++ {
		j := lane * (memory / threads)
		binary.LittleEndian.PutUint32(h0[blake2b.Size+4:], lane)

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 0)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+0] {
			B[j+0][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}

		binary.LittleEndian.PutUint32(h0[blake2b.Size:], 1)
		blake2bHash(block0[:], h0[:])
		for i := range B[j+1] {
			B[j+1][i] = binary.LittleEndian.Uint64(block0[i*8:])
		}
	}
	return B
}

// yieldBlocks is how many blocks (≈ 0.5 µs each) a lane computes before it
// lets other goroutines run. A hash runs in a tight loop for tens of
// milliseconds; with every P hashing, a request that arrives waits for the
// scheduler's 10 ms preemption unless the hash yields. Every 1024 blocks
// (≈ 0.5 ms) took /server/ping's p99 during a login flood from 40–50 ms to
// 11–13 ms; every 256 slowed a lone hash by 15–30 % (the yielded goroutine
// moved to the idle core and lost its cache). The yield is skipped when no
// goroutine is waiting (yielder), which made a lone hash 4 % faster.
const yieldBlocks = 1024

func processBlocks(B []block, time, memory, threads uint32, mode int) {
	lanes := memory / threads
	segments := lanes / syncPoints

	processSegment := func(n, slice, lane uint32, wg *sync.WaitGroup) {
		var addresses, in, zero, t block
		y := newYielder()
		// Data-independent addressing (argon2i, and argon2id's first half
		// pass) takes references from address blocks; otherwise a block's
		// reference is picked by the previous block's first word.
		indep := mode == argon2i || (mode == argon2id && n == 0 && slice < syncPoints/2)
		if indep {
			in[0] = uint64(n)
			in[1] = uint64(lane)
			in[2] = uint64(slice)
			in[3] = uint64(memory)
			in[4] = uint64(time)
			in[5] = uint64(mode)
		}

		index := uint32(0)
		if n == 0 && slice == 0 {
			index = 2 // we have already generated the first two blocks
			if mode == argon2i || mode == argon2id {
				in[6]++
				processBlock(&addresses, &in, &zero)
				processBlock(&addresses, &addresses, &zero)
			}
		}

		offset := lane*lanes + slice*segments + index
		var random uint64
		for index < segments {
			prev := offset - 1
			if index == 0 && slice == 0 {
				prev += lanes // last block in lane
			}
			if indep {
				if index%blockLength == 0 {
					in[6]++
					processBlock(&addresses, &in, &zero)
					processBlock(&addresses, &addresses, &zero)
				}
				random = addresses[index%blockLength]
			} else {
				random = B[prev][0]
			}
			ref := &B[indexAlpha(random, lanes, segments, threads, n, slice, lane, index)]
			// The next block's reference is a random block anywhere in
			// memory, most often outside this core's caches. Fetching it while
			// this block is computed, rather than when the next one starts,
			// took a hash at the default parameters from 18.6 to 16.2 ms alone
			// and from 9.8 to 8.2 ms per hash with both cores hashing.
			next := index + 1
			if indep && next < segments && next%blockLength != 0 {
				prefetchBlock(&B[indexAlpha(addresses[next%blockLength], lanes, segments, threads, n, slice, lane, next)])
			}
			// RFC 9106 §3.2: the first pass writes G(prev, ref); later passes
			// XOR into the block. x/crypto XORs always and relies on zeroed
			// memory, which cost a 19 MiB clear per reused-buffer hash (3 %
			// of a login's CPU in a profile; hash time within the noise).
			xor := n != 0
			word0 := blockBegin(&t, &B[offset], &B[prev], ref, xor)
			if !indep && next < segments {
				prefetchBlock(&B[indexAlpha(word0, lanes, segments, threads, n, slice, lane, next)])
			}
			blockEnd(&t, &B[offset], &B[prev], ref, xor)
			index, offset = next, offset+1
			if index%yieldBlocks == 0 {
				y.yield()
			}
		}
		wg.Done()
	}

	for n := uint32(0); n < time; n++ {
		for slice := uint32(0); slice < syncPoints; slice++ {
			// The last lane runs on this goroutine: with one lane (the
			// default) a hash starts no goroutine and never waits for one.
			var wg sync.WaitGroup
			wg.Add(int(threads))
			for lane := uint32(0); lane < threads-1; lane++ {
				go processSegment(n, slice, lane, &wg)
			}
			processSegment(n, slice, threads-1, &wg)
			wg.Wait()
		}
	}

}

func extractKey(B []block, memory, threads, keyLen uint32) []byte {
	lanes := memory / threads
	for lane := uint32(0); lane < threads-1; lane++ {
		for i, v := range B[(lane*lanes)+lanes-1] {
			B[memory-1][i] ^= v
		}
	}

	var block [1024]byte
	for i, v := range B[memory-1] {
		binary.LittleEndian.PutUint64(block[i*8:], v)
	}
	key := make([]byte, keyLen)
	blake2bHash(key, block[:])
	return key
}

func indexAlpha(rand uint64, lanes, segments, threads, n, slice, lane, index uint32) uint32 {
	refLane := uint32(rand>>32) % threads
	if n == 0 && slice == 0 {
		refLane = lane
	}
	m, s := 3*segments, ((slice+1)%syncPoints)*segments
	if lane == refLane {
		m += index
	}
	if n == 0 {
		m, s = slice*segments, 0
		if slice == 0 || lane == refLane {
			m += index
		}
	}
	if index == 0 || lane == refLane {
		m--
	}
	return phi(rand, uint64(m), uint64(s), refLane, lanes)
}

func phi(rand, m, s uint64, lane, lanes uint32) uint32 {
	p := rand & 0xFFFFFFFF
	p = (p * p) >> 32
	p = (p * m) >> 32
	return lane*lanes + uint32((s+m-(p+1))%uint64(lanes))
}
