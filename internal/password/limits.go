package password

import "fmt"

// limits bound what a stored hash may ask of us (HS-04). A hash string comes
// from the database, which an attacker may have written to (SQL injection,
// a malicious import), so its parameters are untrusted input: m=8 GiB or
// t=1000 must be refused, not computed. Tests may tighten them.
type limits struct {
	maxMemory     uint32 // KiB
	maxTime       uint32
	maxThreads    uint32
	maxKeyLen     uint32
	maxSaltLen    uint32
	maxBcryptCost int
}

// The cost bounds are far above any sane hash (OWASP's m=19 MiB, Directus's
// m=64 MiB t=3 p=4) yet low enough that one planted hash cannot hold more
// than 256 MiB or a slot for more than a few seconds: above them a stored
// hash is refused (an unusable hash, logged by the caller), never computed.
var defaultLimits = limits{
	maxMemory:     256 << 10, // 256 MiB in KiB
	maxTime:       16,
	maxThreads:    16,
	maxKeyLen:     1024,
	maxSaltLen:    1024,
	maxBcryptCost: 16, // ~5 s; real hashes use 10-12
}

// checkArgon2 checks argon2 cost parameters. Besides the upper bounds it
// refuses values x/crypto would panic on (t=0, p=0) and the argon2 spec
// minimums (m >= 8*p KiB, 4-byte key).
func (l limits) checkArgon2(m, t, p, keyLen uint32) error {
	switch {
	case m > l.maxMemory:
		return fmt.Errorf("%w: memory %d KiB > %d", ErrHashParams, m, l.maxMemory)
	case t > l.maxTime:
		return fmt.Errorf("%w: time %d > %d", ErrHashParams, t, l.maxTime)
	case p > l.maxThreads:
		return fmt.Errorf("%w: parallelism %d > %d", ErrHashParams, p, l.maxThreads)
	case keyLen > l.maxKeyLen:
		return fmt.Errorf("%w: key length %d > %d", ErrHashParams, keyLen, l.maxKeyLen)
	case t < 1 || p < 1:
		return fmt.Errorf("%w: time and parallelism must be at least 1", ErrHashParams)
	case m < 8*p:
		return fmt.Errorf("%w: memory %d KiB < 8*parallelism", ErrHashParams, m)
	case keyLen < 4:
		return fmt.Errorf("%w: key length %d < 4", ErrHashParams, keyLen)
	}
	return nil
}
