package index

import (
	"io/fs"

	"github.com/geul-dev/geul/internal/content"
)

// settleReads is how many times a file that keeps changing under the reader
// is read before it is left for a later run.
const settleReads = 3

// settle checks that data, just read from e, is the whole file as it stands:
// the file's size and modification time after the read must still be those of
// the scan and of the bytes read. A file saved between the scan and the read
// is read again with its new stat; one still being written (an editor or a
// sync tool mid-write) is reported unsettled, so that the index never holds
// half of it. It returns the bytes and the entry they match.
func settle(fsys fs.FS, e content.Entry, data []byte) ([]byte, content.Entry, bool, error) {
	for n := 1; ; n++ {
		fi, err := fs.Stat(fsys, e.Path)
		if err != nil {
			// Gone or unreadable since: the next scan sees what became of it.
			return nil, e, true, nil
		}
		if fi.Size() == e.Size && fi.ModTime().Equal(e.ModTime) && int64(len(data)) == e.Size {
			return data, e, false, nil
		}
		if n == settleReads {
			return nil, e, true, nil
		}
		e.Size, e.ModTime = fi.Size(), fi.ModTime()
		if data, err = content.ReadFile(fsys, e.Path); err != nil {
			return nil, e, false, err
		}
	}
}
