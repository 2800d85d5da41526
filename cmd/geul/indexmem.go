package main

import (
	"runtime/debug"
)

// indexMemoryLimit is the Go heap's soft limit during `geul index`.
// Rendering allocates about a megabyte per file of chroma's matches, nearly
// all short-lived, so at the default GOGC of 100 the collector ran for every
// few files; a run lets the heap grow to indexGCPercent above the live data
// and collects hard only when nearing this limit, which with SQLite's own
// memory keeps the process under 384 MiB.
const (
	indexMemoryLimit = 224 << 20
	indexGCPercent   = 300
)

// tuneIndexGC sets the collector for an index run, unless GOGC or
// GOMEMLIMIT say otherwise.
func tuneIndexGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(indexGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(indexMemoryLimit)
	}
}
