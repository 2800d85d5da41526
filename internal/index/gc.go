package index

import (
	"runtime/debug"
)

// indexMemoryLimit is the Go heap's soft limit of a process that indexes
// (see TuneGC).
// Rendering allocates about a megabyte per file of chroma's matches, nearly
// all short-lived, so at the default GOGC of 100 the collector ran for every
// few files; a run lets the heap grow to indexGCPercent above the live data
// and collects hard only when nearing this limit, which with SQLite's own
// memory keeps the process under 384 MiB.
const (
	indexMemoryLimit = 224 << 20
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
