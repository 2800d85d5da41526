//go:build !race

package markdown

// raceEnabled is whether the tests run under the race detector.
const raceEnabled = false
