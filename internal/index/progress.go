package index

import "sync"

// Stages of a run reported by SetProgress.
const (
	// StageRead reads, hashes and parses the files whose stat changed.
	StageRead = "read"
	// StageBuild renders changed files and builds the payloads of every post
	// whose inputs changed.
	StageBuild = "build"
)

// Progress is how far a run has got in one stage: Done of Total items (files
// for StageRead, posts for StageBuild).
type Progress struct {
	Stage       string
	Done, Total int
}

// SetProgress has fn called as runs go: once when a stage with work in it
// starts (Done 0), then after each item. Calls are serialized and Done only
// grows within a stage, but they come from the worker pool, so fn must be
// quick: a progress bar redraws on a timer, not on every call. nil stops the
// reports.
func (ix *Indexer) SetProgress(fn func(Progress)) {
	ix.progress.mu.Lock()
	ix.progress.fn = fn
	ix.progress.mu.Unlock()
}

type progress struct {
	mu sync.Mutex
	fn func(Progress)
}

// stage reports the start of a stage of total items and returns the function
// that counts one more done.
func (p *progress) stage(name string, total int) func() {
	p.mu.Lock()
	fn := p.fn
	p.mu.Unlock()
	if fn == nil || total == 0 {
		return func() {}
	}
	var mu sync.Mutex
	done := 0
	fn(Progress{Stage: name, Total: total})
	return func() {
		mu.Lock()
		defer mu.Unlock()
		done++
		fn(Progress{Stage: name, Done: done, Total: total})
	}
}
