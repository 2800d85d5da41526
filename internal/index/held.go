package index

import (
	"fmt"
	"os"
	"sync"
)

// heldMemBytes is how much of the bodies a run holds (read and not yet
// rendered) it keeps in memory; past it they wait in a file. A full index
// reads every file before it renders any, to work out every post's links:
// at 10,000 posts the held bodies were 87 MB (compressed) of a 166 MB live
// heap under the run's soft limit (224 MiB then), and the collector, running ever
// more often as the heap neared it, took 31 % of the run's CPU. They are
// held as read: compressing them cost more CPU (zstd's fastest level, about
// 0.3 s of a 2,000-post run) than writing them whole to a file that the
// page cache keeps and reading them back once. A variable for the tests,
// which hold every body in the file.
var heldMemBytes int64 = 8 << 20

// heldBodies holds the bodies of a run between reading and rendering: in
// memory up to max bytes, then in an unlinked file in dir (beside the index,
// whose disk holds more than the bodies would take), written once and read
// back once. Where the file cannot be made or written, bodies stay in
// memory: slower to collect, not wrong.
type heldBodies struct {
	dir string
	max int64

	mu   sync.Mutex
	mem  int64    // bytes held in memory now
	f    *os.File // nil until memory is full
	off  int64    // the file's end
	fail error    // why the file is not used
}

// heldBody is one held body: in memory, or n bytes of the file at off.
type heldBody struct {
	mem    []byte
	off, n int64
}

func newHeldBodies(dir string, max int64) *heldBodies {
	return &heldBodies{dir: dir, max: max}
}

// put holds b, which put's caller no longer changes.
func (h *heldBodies) put(b []byte) heldBody {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.mem+int64(len(b)) <= h.max || h.fail != nil || h.file() != nil {
		h.mem += int64(len(b))
		return heldBody{mem: b}
	}
	off := h.off
	if _, err := h.f.WriteAt(b, off); err != nil {
		h.fail = err // a full disk: memory it is, from now on
		h.mem += int64(len(b))
		return heldBody{mem: b}
	}
	h.off += int64(len(b))
	return heldBody{off: off, n: int64(len(b))}
}

// file makes the file on first use; called with h.mu held.
func (h *heldBodies) file() error {
	if h.f != nil {
		return nil
	}
	f, err := os.CreateTemp(h.dir, ".geul-held-*")
	if err == nil {
		// Unlinked at once: the space goes back when the run ends, or dies.
		if err = os.Remove(f.Name()); err != nil {
			f.Close()
		}
	}
	if err != nil {
		h.fail = err
		return err
	}
	h.f = f
	return nil
}

// take returns b's bytes; b is not taken again.
func (h *heldBodies) take(b heldBody) ([]byte, error) {
	if b.mem != nil || b.n == 0 {
		h.mu.Lock()
		h.mem -= int64(len(b.mem))
		h.mu.Unlock()
		return b.mem, nil
	}
	out := make([]byte, b.n)
	if _, err := h.f.ReadAt(out, b.off); err != nil {
		return nil, fmt.Errorf("read held body: %w", err)
	}
	return out, nil
}

// close drops the file, if one was made.
func (h *heldBodies) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.f != nil {
		h.f.Close()
		h.f = nil
	}
}
