package store

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// DefaultPostSpillBytes is how many bytes of payloads Post keeps in its
// spill file by default; see SetPostSpillBytes. It holds every form served
// of a 10,000-post bilingual site (some 700 MB of identity bodies, the rest
// compressed forms).
const DefaultPostSpillBytes = 1 << 30

// spillMaxEntries bounds the spill file's index in memory: about 150 bytes
// an entry.
const spillMaxEntries = 1 << 17

// postSpill keeps payloads Post has read, in the form served, in a file of
// their own, unlinked as soon as it is made: the kernel's page cache holds
// it, not the process's heap. Past the in-memory payload cache (postCache,
// which a uniform load over thousands of posts cannot stay in), a request is
// then one pread into a pooled buffer, where SQLite costs a B-tree walk, a
// copy and, for an identity body, the gunzip of its stored form. It only
// ever holds payloads of one version of the index (see postCache), and is
// emptied when the version moves; it fills until max bytes (and at most a
// quarter of its disk's free space) or spillMaxEntries, then takes no more
// until then.
type postSpill struct {
	dir string // where the file is made: beside the index, else the temp folder

	// life is held shared by every read and write of f and exclusively by
	// reset, so that no read or write crosses an emptying.
	life sync.RWMutex

	mu    sync.Mutex
	f     *os.File // nil until the first payload, or when none can be made
	max   int64
	room  int64  // a share of its disk's free space when f was last empty; -1 before
	ver   uint64 // the version items belong to
	end   int64  // bytes of f reserved
	items map[postKey]spillEntry
	gen   uint64 // moves with every emptying, so a write that crossed one is not indexed
	fail  bool   // the file could not be made: the spill stays off
}

type spillEntry struct {
	off int64
	sp  StoredPost // Body nil: the bytes are in the file
	n   int
}

func newPostSpill(dir string, max int64) *postSpill {
	return &postSpill{dir: dir, max: max, room: -1, items: map[postKey]spillEntry{}}
}

// get reads the payload of k, of version v, into a buffer from bufs.
func (s *postSpill) get(k postKey, v uint64) (StoredPost, *[]byte, bool) {
	s.mu.Lock()
	e, ok := s.items[k]
	f, gen := s.f, s.gen
	ok = ok && s.ver == v
	s.mu.Unlock()
	if !ok {
		return StoredPost{}, nil, false
	}
	buf := getBuf(e.n)
	s.life.RLock()
	defer s.life.RUnlock()
	s.mu.Lock()
	same := s.gen == gen
	s.mu.Unlock()
	if !same {
		putBuf(buf)
		return StoredPost{}, nil, false
	}
	if _, err := f.ReadAt(*buf, e.off); err != nil {
		putBuf(buf)
		return StoredPost{}, nil, false
	}
	sp := e.sp
	sp.Body = *buf
	return sp, buf, true
}

// put writes sp, read while the index was at version v, unless the version
// has moved since (current is what it is now), the spill is full or already
// holds k.
func (s *postSpill) put(k postKey, sp StoredPost, v, current uint64) {
	n := int64(len(sp.Body))
	if v != current || n == 0 || n > s.max {
		return
	}
	s.mu.Lock()
	stale := s.ver < v
	s.mu.Unlock()
	if stale {
		s.reset(v)
	}
	s.life.RLock()
	defer s.life.RUnlock()
	s.mu.Lock()
	if _, ok := s.items[k]; ok || s.ver != v || s.fail || s.end+n > s.bound() || len(s.items) >= spillMaxEntries {
		s.mu.Unlock()
		return
	}
	if s.f == nil && !s.open() {
		s.mu.Unlock()
		return
	}
	off, f, gen := s.end, s.f, s.gen
	s.end += n
	s.mu.Unlock()
	if _, err := f.WriteAt(sp.Body, off); err != nil {
		return // that space stays unused until the next emptying
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gen == gen {
		e := spillEntry{off: off, sp: sp, n: len(sp.Body)}
		e.sp.Body = nil
		s.items[k] = e
	}
}

// spillShareOfFree is the share of its disk's free space the spill file
// may take when made: it sits beside the index, whose runs need room to
// grow, and a cache must never be what fills their disk.
const spillShareOfFree = 4 // a quarter

// open makes the file, unlinked at once: it goes when the process does. It
// is called with mu held.
func (s *postSpill) open() bool {
	for _, dir := range []string{s.dir, os.TempDir()} {
		f, err := os.CreateTemp(dir, ".geul-payloads-*")
		if err != nil {
			continue
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			continue
		}
		s.f = f
		s.measureRoom()
		return true
	}
	s.fail = true
	return false
}

// reset empties the spill for version v, waiting for reads and writes in
// progress.
func (s *postSpill) reset(v uint64) {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ver >= v {
		return // another reset got here first; versions only move forward
	}
	s.ver = v
	s.resetLocked()
}

// resetLocked empties the spill; life and mu are held.
func (s *postSpill) resetLocked() {
	s.gen++
	s.end = 0
	clear(s.items)
	if s.f != nil {
		if err := s.f.Truncate(0); err != nil {
			s.f.Close()
			s.f = nil
			return
		}
		s.measureRoom() // the index's disk may have filled since
	}
}

// measureRoom sets room from the free space of f's disk, f being empty. It
// is called with mu held.
func (s *postSpill) measureRoom() {
	var fs syscall.Statfs_t
	if err := syscall.Fstatfs(int(s.f.Fd()), &fs); err == nil {
		s.room = int64(fs.Bavail) * fs.Bsize / spillShareOfFree
	}
}

// bound is how many bytes the file may hold: max, and no more than
// spillShareOfFree of the free space of its disk when it was made. It is
// called with mu held.
func (s *postSpill) bound() int64 {
	if s.room >= 0 {
		return min(s.max, s.room)
	}
	return s.max
}

func (s *postSpill) setMax(max int64) {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.max = max
	s.resetLocked()
}

func (s *postSpill) close() error {
	s.life.Lock()
	defer s.life.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
	s.fail = true // nothing more is written
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// Buffers the spill reads into, reused so that a request from the spill
// allocates nothing; bufs bigger than maxPooledBuf are left to the GC.
var bufs sync.Pool

const maxPooledBuf = 256 << 10

func getBuf(n int) *[]byte {
	if b, ok := bufs.Get().(*[]byte); ok && cap(*b) >= n {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, max(n, 32<<10))
	return &b
}

func putBuf(b *[]byte) {
	if cap(*b) <= maxPooledBuf {
		bufs.Put(b)
	}
}

// spillDir is where the spill file of the index at dbPath is made.
func spillDir(dbPath string) string { return filepath.Dir(dbPath) }
