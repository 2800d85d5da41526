package corpus

import (
	"math/bits"
	"math/rand/v2"
)

// rng is a small deterministic random source. It only uses PCG.Uint64,
// whose algorithm (PCG-DXSM) is fixed by the math/rand/v2 documentation,
// and derives every other value with its own arithmetic, so the output
// does not depend on how a Go release implements IntN, Shuffle or Float64.
type rng struct {
	p rand.PCG
}

// splitmix64 is the SplitMix64 finaliser, used to spread seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// newRNG returns the source for one stream of one post. Streams are
// independent: the post's metadata and each language's body have their own.
func newRNG(seed int64, post int, stream uint64) *rng {
	h := splitmix64(uint64(seed))
	h = splitmix64(h ^ uint64(post))
	h2 := splitmix64(h ^ splitmix64(stream))
	r := &rng{}
	r.p.Seed(h, h2)
	return r
}

// intn returns a value in [0, n). n must be positive.
func (r *rng) intn(n int) int {
	hi, _ := bits.Mul64(r.p.Uint64(), uint64(n))
	return int(hi)
}

// between returns a value in [lo, hi].
func (r *rng) between(lo, hi int) int {
	return lo + r.intn(hi-lo+1)
}

// chance reports true with probability percent/100.
func (r *rng) chance(percent int) bool {
	return r.intn(100) < percent
}

// pick returns a random element of list.
func pick[T any](r *rng, list []T) T {
	return list[r.intn(len(list))]
}

// perm returns a random permutation of [0, n).
func (r *rng) perm(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		j := r.intn(i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

// hashString is FNV-1a, used to turn a language code into a stream id.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
