package index

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/site"
	"github.com/geul-dev/geul/internal/store"
)

// SetSkipUnchanged makes a process's first run quick when no file changed
// since the last complete run: it looks at every file's size and time (and
// reads a file whose time changed, to find its bytes the same), and commits
// no more than the files' new times and its own, without decoding what the
// store remembers of each file or working out any post's links (most of
// such a run's time). A folder where a file stays broken has that file read
// again at every run, so its runs are never quick. The indexer then holds no post, so a later
// run in the same process looks at the whole folder and works every post out
// again. Meant for a process that runs once (geul index) or serves what that
// run leaves; a watching server keeps it off, so that its runs after the
// first look only at what changed.
func (ix *Indexer) SetSkipUnchanged(on bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.skipUnchanged = on
}

// runKey is what a run's outcome depends on besides the stored state of
// each file: geul's code (see buildID), the rendering, the base URL of
// bundle files, and the problems the files and folders had (a file with a
// bad name is reported, not read, so no file state records it). A run
// stores it with its commit; a run that reads no new bytes, deletes no file
// and finds the same key would commit what is stored already.
func runKey(s content.Site, fileErrs []*content.Error) string {
	var b []byte
	str := func(v string) {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	str(buildID())
	str(renderVersion)
	str(s.BaseURL)
	errs := slices.Clone(fileErrs)
	sortErrors(errs)
	for _, e := range errs {
		str(e.Path)
		b = binary.AppendVarint(b, int64(e.Line))
		str(e.Reason)
		if e.Warning {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// quietRun ends a run that read no new bytes and deleted no file when the
// store's last complete run had the same key: it commits the files' new
// times and the run's, and reports what the store holds. done is false
// when the keys differ, or a run stopped part way left none: the run goes on
// as usual.
func (ix *Indexer) quietRun(ctx context.Context, start time.Time, rf *runFiles, s content.Site, key string) (done bool, err error) {
	tx, err := ix.store.Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if tx.LastRunKey() != key {
		return false, nil
	}
	// Read while the transaction holds the only writer: what it reports
	// is what the run commits.
	st, err := ix.store.Status(ctx)
	if err != nil {
		return false, err
	}
	infos, err := tx.Categories(ctx)
	if err != nil {
		return false, err
	}
	cats, err := site.DecodeCategories(infos)
	if err != nil {
		return false, err
	}
	// Files with the same bytes and a new size or time.
	for _, r := range rf.touched {
		if err := tx.TouchFile(ctx, r.entry.Path, r.entry.Size, r.entry.ModTime.UnixNano()); err != nil {
			return false, err
		}
	}
	gen, changed, err := tx.Commit(ctx, store.RunInfo{At: start, Duration: time.Since(start), Key: key})
	if err != nil {
		return false, err
	}
	sum := rf.sum
	sum.Quick = true
	sum.Total, sum.Posts = st.Total, st.Posts
	for _, e := range st.Errors {
		sum.Errors = append(sum.Errors, &content.Error{Path: e.Path, Line: e.Line, Reason: e.Reason, Warning: e.Warning})
	}
	sum.Languages = s.Languages
	sum.Generation, sum.Changed = gen, changed
	sum.Site = ix.snapshot(gen, rf.next, cats)
	ix.known, ix.files, ix.fileErrs = rf.next, rf.files, slices.Clone(rf.errs)
	return true, nil
}

// buildID names the code of this process: another geul (a new release, a
// local build) may assemble, link or report posts otherwise while it
// renders them alike, so its first run works everything out. A build from a
// clean checkout is named by its revision, an installed module by its
// version; anything else (a changed tree, go run, a test) by the hash of its
// executable, read once.
var buildID = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		settings := map[string]string{}
		for _, st := range bi.Settings {
			settings[st.Key] = st.Value
		}
		// The toolchain too: its libraries take part in what a run makes.
		if rev := settings["vcs.revision"]; rev != "" && settings["vcs.modified"] == "false" {
			return "vcs " + rev + " " + bi.GoVersion
		}
		if v := bi.Main.Version; v != "" && v != "(devel)" && settings["vcs.revision"] == "" {
			return "module " + v + " " + bi.Main.Sum + " " + bi.GoVersion
		}
	}
	if sum, err := executableSum(); err == nil {
		return "executable " + sum
	}
	// Unknown: no key ever matches, and every first run works everything out.
	return fmt.Sprint("unknown ", time.Now().UnixNano())
})

// executableSum is the hex SHA-256 of the running executable.
func executableSum() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	f, err := os.Open(exe)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
