package index

import (
	"io/fs"
	"time"

	"github.com/geul-dev/geul/internal/content"
)

// settleReads is how many times a file that keeps changing under the reader
// is read before it is left for a later run.
const settleReads = 3

// SetSettleAge has runs leave alone files modified less than d ago, as still
// being written: their last good state keeps serving and Summary.Unsettled
// names them, for a later run. The watcher sets its quiet period, so that a
// file written continuously (a slow copy, a sync tool) is read once its writer
// has paused, not in the middle. 0, the default, reads every file at once, as
// `geul index` should.
func (ix *Indexer) SetSettleAge(d time.Duration) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.settleAge = d
}

// settle checks that data, just read from e, is the whole file as it stands:
// the file's size and modification time after the read must still be those of
// the scan and of the bytes read. A file saved between the scan and the read
// is read again with its new stat; one still being written (modified during
// the read, or less than minAge ago) is reported unsettled, so that the index
// never holds half of it. It returns the bytes and the entry they match.
func settle(fsys fs.FS, e content.Entry, data []byte, minAge time.Duration, readFile func(fs.FS, string) ([]byte, error)) ([]byte, content.Entry, bool, error) {
	for n := 1; ; n++ {
		fi, err := fs.Stat(fsys, e.Path)
		if err != nil {
			// Gone or unreadable since: the next scan sees what became of it.
			return nil, e, true, nil
		}
		if fi.Size() == e.Size && fi.ModTime().Equal(e.ModTime) && int64(len(data)) == e.Size {
			// A modification time in the future (a skewed clock) counts as old:
			// waiting for it would never end.
			if age := time.Since(fi.ModTime()); age >= 0 && age < minAge {
				return nil, e, true, nil
			}
			return data, e, false, nil
		}
		if n == settleReads {
			return nil, e, true, nil
		}
		e.Size, e.ModTime = fi.Size(), fi.ModTime()
		if data, err = readFile(fsys, e.Path); err != nil {
			return nil, e, false, err
		}
	}
}
