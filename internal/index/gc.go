package index

import (
	"runtime/debug"
)

// indexMemoryLimit is the Go heap's soft limit of a process that indexes
// (see TuneGC).
// Rendering allocates hundreds of kilobytes per file of chroma's matches, nearly
// all short-lived, so at the default GOGC of 100 the collector ran for every
// few files; a run lets the heap grow to indexGCPercent above the live data
// and collects hard only when nearing this limit, which with SQLite's own
// memory keeps the process under 384 MiB. At 10,000 posts (with regexp2
// v2.2.1 under chroma, whose garbage v2.13.0 halved) the run held about
// 85 MB live (every file's front matter, the posts' links), which
// every collection marks: at 224 MiB the collector ran 242 times in a light
// corpus's run; at 288 MiB 162 times, for 0.87 of the run's CPU and wall
// time (0.88 on the present corpus) and a peak RSS of 334 MiB instead of
// 285 (339 instead of 275), in alternating pairs of GOMEMLIMIT=288MiB
// against 224.
const (
	indexMemoryLimit = 288 << 20
	indexGCPercent   = 300
)

// TuneGC sets the collector of a process that runs a whole index and little
// else (geul index), unless GOGC or GOMEMLIMIT say otherwise.
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(indexGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(indexMemoryLimit)
	}
}
