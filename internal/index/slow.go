package index

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/geul-dev/geul/internal/markdown"
)

// SlowGrace is how long a watched run (see RunWatched) waits for the
// rendering of one post file before it leaves it to the background: far
// above what a real post takes, far below what an editor notices.
const SlowGrace = 250 * time.Millisecond

// slowMax bounds the renderings left to the background, running or done
// and not yet taken, and so the memory their results hold (each within the
// budget's MaxHTML), and the renderings running, dropped ones included.
// Beyond it a watched run waits for a slow rendering, as every other run
// does.
const slowMax = 4

// watchedHeld bounds the bytes of the renderings a watched run holds from
// reading its files to writing them; past it, its files are rendered while
// writing, as in any other run, and none is left to the background.
const watchedHeld = 32 << 20

// watched is what a run started by RunWatched needs: the context its
// background renderings stop with, the call that asks for the run taking
// one once it is done, and the bytes of the renderings the run holds.
type watched struct {
	ctx   context.Context
	ready func(path string)
	held  atomic.Int64
}

// slowRenders are the renderings left to the background by watched runs,
// by path: at most one per file, for the version (hash) it renders.
type slowRenders struct {
	mu   sync.Mutex
	jobs map[string]*slowJob
	// running counts the renderings not ended, dropped ones too: a
	// dropped rendering is asked to stop, but a code block's highlighting
	// runs on to its timeout, and a file saved again and again must not
	// leave a rendering behind at each save.
	running int
	wg      sync.WaitGroup
}

// slowJob is one rendering in the background.
type slowJob struct {
	hash   string
	cancel context.CancelFunc
	done   chan struct{} // closed once res and err are set
	res    markdown.Result
	err    error
	// Under slowRenders.mu: finished once done is closed; detached once
	// the run that started it stopped waiting (it is then in jobs).
	finished, detached bool
}

// renderWatched renders a changed post file for a watched run. A rendering
// of the same file and bytes left to the background by an earlier run is
// taken if done, or deferred again if not: a file is never rendered twice
// at once. A new one is waited for up to SlowGrace, then left to the
// background (deferred), and w.ready is called with path once it is done.
// err is md.Render's: a *markdown.BudgetError for a file over its budget.
func (ix *Indexer) renderWatched(w *watched, path, hash string, body []byte) (res markdown.Result, deferred bool, err error) {
	s := &ix.slow
	s.mu.Lock()
	if j := s.jobs[path]; j != nil && j.hash == hash {
		if !j.finished {
			s.mu.Unlock()
			return res, true, nil
		}
		delete(s.jobs, path)
		s.mu.Unlock()
		return j.res, false, j.err
	}
	s.dropLocked(path, hash)
	s.mu.Unlock()

	j := s.start(w, ix.md, path, hash, body)
	t := time.NewTimer(SlowGrace)
	defer t.Stop()
	select {
	case <-j.done:
		return j.res, false, j.err
	case <-t.C:
	}
	s.mu.Lock()
	if j.finished || len(s.jobs) >= slowMax || s.running > slowMax {
		s.mu.Unlock()
		<-j.done
		return j.res, false, j.err
	}
	j.detached = true
	if s.jobs == nil {
		s.jobs = map[string]*slowJob{}
	}
	s.jobs[path] = j
	s.mu.Unlock()
	return res, true, nil
}

// start renders body with md on a goroutine of its own, which calls
// w.ready with path once done if the job was detached meanwhile and is
// still wanted.
func (s *slowRenders) start(w *watched, md *markdown.Renderer, path, hash string, body []byte) *slowJob {
	ctx, cancel := context.WithCancel(w.ctx)
	j := &slowJob{hash: hash, cancel: cancel, done: make(chan struct{})}
	s.wg.Add(1)
	s.mu.Lock()
	s.running++
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		defer cancel()
		j.res, j.err = md.RenderContext(ctx, body)
		close(j.done)
		s.mu.Lock()
		j.finished = true
		s.running--
		// A job dropped (its file changed again, or gone) or stopped is
		// nobody's to take.
		notify := j.detached && s.jobs[path] == j && ctx.Err() == nil
		s.mu.Unlock()
		if notify {
			w.ready(path)
		}
	}()
	return j
}

// drop forgets the background rendering of path unless it renders the
// version hash: its file changed again. One still running is stopped.
func (s *slowRenders) drop(path, hash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked(path, hash)
}

// keep forgets the background renderings of files no longer among files.
func (s *slowRenders) keep(files map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.jobs {
		if !files[p] {
			s.dropLocked(p, "")
		}
	}
}

func (s *slowRenders) dropLocked(path, hash string) {
	if j := s.jobs[path]; j != nil && j.hash != hash {
		j.cancel()
		delete(s.jobs, path)
	}
}

// Wait returns once every rendering left to the background by RunWatched
// has ended; they stop early once the context of the run that started
// them is done.
func (ix *Indexer) Wait() {
	ix.slow.wg.Wait()
}
