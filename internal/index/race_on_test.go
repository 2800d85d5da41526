//go:build race

package index_test

// raceEnabled: the race detector slows rendering about tenfold, so timing
// limits do not hold under it.
const raceEnabled = true
