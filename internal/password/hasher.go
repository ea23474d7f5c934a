// Package password hashes, verifies and vets user passwords.
//
// New hashes are argon2id PHC strings, the format node-argon2 (and so Directus)
// writes, so hashes migrate both ways. Verification also accepts Directus
// argon2i hashes and legacy bcrypt hashes, and tells the caller when a hash
// should be upgraded. Hash computations are capped by a semaphore because each
// argon2id call allocates Params.Memory KiB: without a cap a login flood
// exhausts memory.
package password

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/argon2"
)

// Params are argon2id parameters. Memory is in KiB.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// DefaultParams returns the OWASP Password Storage Cheat Sheet row
// m=19 MiB, t=2, p=1: cheaper per call than Directus's m=64 MiB, t=3, p=4
// at equal strength, so more logins fit in the same memory budget.
func DefaultParams() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// Validate reports whether p can be used to create new hashes: within the
// verification bounds (so our own hashes always verify), and at least the
// argon2 minimums of an 8-byte salt and 4-byte key.
func (p Params) Validate() error {
	if p.SaltLen < 8 || p.SaltLen > defaultLimits.maxSaltLen {
		return fmt.Errorf("%w: salt length %d not in [8, %d]", ErrHashParams, p.SaltLen, defaultLimits.maxSaltLen)
	}
	return defaultLimits.checkArgon2(p.Memory, p.Time, uint32(p.Threads), p.KeyLen)
}

var (
	// ErrBusy means the queue wait for a hashing slot ran out (or ctx ended);
	// callers answer 503 rather than pile up memory.
	ErrBusy = errors.New("password: too many hashes in progress")
	// ErrHashParams means a stored hash (or configured Params) asks for more
	// work or memory than we allow, or for invalid parameters. Refused before
	// any allocation so a planted hash cannot exhaust the server (HS-04).
	ErrHashParams = errors.New("password: hash parameters out of bounds")
	// ErrMalformedHash means the stored hash is not a well-formed hash of a
	// supported algorithm.
	ErrMalformedHash = errors.New("password: malformed hash")
)

// Hasher hashes and verifies passwords with bounded concurrency.
type Hasher struct {
	params  Params
	sem     chan struct{}
	bufs    chan *argon2.Buffer // one working buffer per slot, made on first use
	timeout time.Duration
	waiting atomic.Int64 // callers queued for a slot
	avg     atomic.Int64 // moving average of a hash's duration, ns; 0 until the first
	lim     limits
	dummy   string // argon2id string at params, verified when there is no real hash
	err     error  // set when params are invalid; returned by Hash and Verify
	observe func(wait, dur time.Duration)

	idleAfter time.Duration // releaseIdle runs once no hash has ended for this long
	idleMu    sync.Mutex
	idleTimer *time.Timer
}

// releaseAfter is how long the hashing slots' memory stays mapped after the
// last hash: through a burst of logins it is reused, but a server that logged
// someone in once (or created its admin at start) should not hold
// Params.Memory per slot for the rest of its life.
const releaseAfter = time.Minute

// Observe sets a function told, after each hash, how long it waited for a
// slot and how long the hash took (for metrics). Call it before first use.
func (h *Hasher) Observe(f func(wait, dur time.Duration)) { h.observe = f }

// timed runs one hash computation in a slot, with the slot's reusable
// working memory, and reports its timings.
func (h *Hasher) timed(ctx context.Context, fn func(buf *argon2.Buffer)) error {
	start := time.Now()
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	var buf *argon2.Buffer
	select {
	case buf = <-h.bufs:
	default:
		buf = argon2.NewBuffer(h.params.Memory)
	}
	defer func() {
		h.bufs <- buf
		h.idleSoon()
	}()
	waited := time.Since(start)
	fn(buf)
	took := time.Since(start) - waited
	h.learn(took)
	if h.observe != nil {
		h.observe(waited, took)
	}
	return nil
}

// idleSoon (re)starts the countdown to releaseIdle.
func (h *Hasher) idleSoon() {
	h.idleMu.Lock()
	defer h.idleMu.Unlock()
	if h.idleTimer == nil {
		h.idleTimer = time.AfterFunc(h.idleAfter, h.releaseIdle)
		return
	}
	h.idleTimer.Reset(h.idleAfter)
}

// releaseIdle gives the memory of the slots no hash is using back to the
// operating system (the next hash in each maps it again). It holds those
// slots meanwhile, so no hash uses a buffer being released and none makes a
// new one for want of it.
func (h *Hasher) releaseIdle() {
	held := 0
	for held < cap(h.sem) && h.tryAcquire() {
		held++
	}
	var bufs []*argon2.Buffer
	for range held {
		select {
		case buf := <-h.bufs:
			buf.Release()
			bufs = append(bufs, buf)
		default:
		}
	}
	for _, buf := range bufs {
		h.bufs <- buf
	}
	for range held {
		h.release()
	}
}

// learn folds one hash duration into the moving average (weight 1/8).
// Concurrent updates may lose one another's sample; the average stays close.
func (h *Hasher) learn(d time.Duration) {
	old := h.avg.Load()
	if old == 0 {
		h.avg.Store(int64(d))
		return
	}
	h.avg.Store(old + (int64(d)-old)/8)
}

// hopeless reports whether a caller joining the queue now would still be
// waiting when its queue wait runs out: the callers ahead of it, shared over
// the slots, take longer than h.timeout at the measured hash time. Refusing
// it at once, rather than at the timeout, keeps a login flood from holding
// hundreds of requests (and their memory) only to refuse them later.
func (h *Hasher) hopeless() bool {
	avg := time.Duration(h.avg.Load())
	if avg <= 0 {
		return false
	}
	rounds := h.waiting.Load()/int64(cap(h.sem)) + 1
	return time.Duration(rounds)*avg > h.timeout
}

// NewHasher returns a Hasher that runs at most maxConcurrent hash
// computations at once (maxConcurrent <= 0 means runtime.NumCPU()). Callers
// beyond that wait up to queueTimeout (0: not at all) or until their ctx ends,
// then get ErrBusy; so does, at once, a caller who could not get a slot
// within queueTimeout anyway, judging by the queue and the hash time.
// Invalid p does not panic: Hash and Verify return an ErrHashParams error
// instead (check p.Validate() at config load).
func NewHasher(p Params, maxConcurrent int, queueTimeout time.Duration) *Hasher {
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.NumCPU()
	}
	h := &Hasher{
		params:    p,
		sem:       make(chan struct{}, maxConcurrent),
		bufs:      make(chan *argon2.Buffer, maxConcurrent),
		timeout:   queueTimeout,
		lim:       defaultLimits,
		idleAfter: releaseAfter,
	}
	if h.err = p.Validate(); h.err == nil {
		// Random salt and key: no password matches, and building it costs
		// nothing, yet verifying against it costs exactly one real hash.
		h.dummy = encodeArgon2("argon2id", p, randomBytes(p.SaltLen), randomBytes(p.KeyLen))
	}
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns an argon2id PHC string of plain with a fresh random salt:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func (h *Hasher) Hash(ctx context.Context, plain string) (string, error) {
	if h.err != nil {
		return "", h.err
	}
	p := h.params
	salt := randomBytes(p.SaltLen)
	var key []byte
	if err := h.timed(ctx, func(buf *argon2.Buffer) {
		key = argon2.IDKey(buf, []byte(plain), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	}); err != nil {
		return "", err
	}
	return encodeArgon2("argon2id", p, salt, key), nil
}

// Verify checks plain against encoded (argon2id, argon2i or bcrypt $2a$/$2b$/$2y$).
// match means the password is right; rehash means it is right and encoded is
// not argon2id at h's current Params, so the caller should store a new Hash.
//
// encoded == "" (unknown user, or a user without a password) verifies against
// a dummy hash so the answer takes as long as a wrong password, then reports
// (false, false, nil): response time must not reveal which emails exist.
//
// Out-of-bounds parameters give ErrHashParams and unparsable or unsupported
// hashes ErrMalformedHash, both before any hashing. Every hash computation,
// the dummy one included, takes a semaphore slot, so it may give ErrBusy.
func (h *Hasher) Verify(ctx context.Context, encoded, plain string) (match, rehash bool, err error) {
	if h.err != nil {
		return false, false, h.err
	}
	dummy := encoded == ""
	if dummy {
		encoded = h.dummy
	}
	v, err := h.lim.parse(encoded)
	if err != nil {
		return false, false, err
	}
	var ok bool
	if terr := h.timed(ctx, func(buf *argon2.Buffer) { ok, err = v.verify(buf, plain) }); terr != nil {
		return false, false, terr
	}
	if dummy || !ok || err != nil {
		return false, false, err
	}
	return true, !v.current(h.params), nil
}

// acquire takes a hashing slot, waiting at most h.timeout.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
	if h.tryAcquire() {
		return nil
	}
	if h.timeout <= 0 || h.hopeless() {
		return ErrBusy
	}
	h.waiting.Add(1)
	defer h.waiting.Add(-1)
	t := time.NewTimer(h.timeout)
	defer t.Stop()
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", ErrBusy, context.Cause(ctx))
	}
}

// tryAcquire takes a free slot if there is one, without waiting.
func (h *Hasher) tryAcquire() bool {
	select {
	case h.sem <- struct{}{}:
		return true
	default:
		return false
	}
}

func (h *Hasher) release() { <-h.sem }

// verifier is a parsed stored hash.
type verifier interface {
	// verify reports whether plain matches, comparing in constant time.
	verify(buf *argon2.Buffer, plain string) (bool, error)
	// current reports whether the hash was made with argon2id at p.
	current(p Params) bool
}

// maxEncodedLen bounds a stored hash before it is parsed; the largest valid
// argon2 string (1024-byte salt and key) is about 2.8 KB.
const maxEncodedLen = 4096

// parse dispatches on the algorithm prefix.
func (l limits) parse(encoded string) (verifier, error) {
	if len(encoded) > maxEncodedLen {
		return nil, fmt.Errorf("%w: too long", ErrMalformedHash)
	}
	switch {
	case len(encoded) >= 4 && encoded[0] == '$' && encoded[1] == '2':
		return l.parseBcrypt(encoded)
	case len(encoded) >= 7 && encoded[:7] == "$argon2":
		return l.parseArgon2(encoded)
	}
	return nil, fmt.Errorf("%w: unknown algorithm", ErrMalformedHash)
}

func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error (Go 1.24+)
	return b
}
