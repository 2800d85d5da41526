package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// A first build writes without waiting for the disk. Its saves (Tx.Save) run
// with synchronous=OFF on the writer and on the WAL folder: SQLite then
// hands its writes to the kernel and never waits for an fsync, which on a
// light 10,000-post build was about a tenth of its time (written to a tmpfs,
// one run each: 37.1 s against 42.5 s on disk; whole processes in turn,
// farm-bench: 0.88 with synchronous=OFF throughout, 0.92 as built here). A
// process that dies, however it dies, loses nothing by it: its writes are in
// the kernel's page cache, and the next run resumes the build
// (TestStoppedFirstBuildResumes). Only a stop of the machine itself (a
// crash, a power cut) can lose writes the kernel had not written out yet,
// and leave a database that is not whole.
//
// So before the first such write, a mark is written beside the database
// (path + unsyncedSuffix), holding the id of the machine's boot, and kept
// locked by the build; at its end the database and WAL files are synced and
// the mark removed. Open finds a mark no process holds only where a build
// was stopped: left in this boot, the kernel still has every write, and Open
// syncs them; left in an earlier boot, the database may have lost some, and
// Open removes it, to be built again from the content folder. Where the boot
// cannot be known (no /proc/sys/kernel/random/boot_id), a first build syncs
// as any run does.
const unsyncedSuffix = "-unsynced"

// The writer's synchronous settings: syncOn for every run, syncOff for a
// first build's saves.
const (
	syncOn  = "NORMAL"
	syncOff = "OFF"
)

// bootID returns the id of the machine's boot, or "" where there is none.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// unsyncedMark is the mark of a first build's unsynced writes, held open
// and locked (flock) by the process that writes them: a database opened by
// another process meanwhile (geul index beside geul serve) leaves it alone.
type unsyncedMark struct {
	f    *os.File
	path string // the database's
}

// markUnsynced writes the mark of unsynced writes to the database at path,
// durably (the file and its folder synced), and returns it locked; nil, and
// no mark, where the boot cannot be known or another process holds one.
func markUnsynced(path string) (*unsyncedMark, error) {
	id := bootID()
	if id == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path+unsyncedSuffix, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("mark unsynced: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, nil // another process's build: this one syncs as any run does
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(id), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = syncFile(filepath.Dir(path))
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("mark unsynced: %w", err)
	}
	return &unsyncedMark{f: f, path: path}, nil
}

// release syncs the database and its WAL to the disk, then removes the
// mark and lets it go.
func (m *unsyncedMark) release() error {
	return errors.Join(syncUnsynced(m.path), m.f.Close())
}

// syncUnsynced syncs the database at path and its WAL to the disk, then
// removes the mark of unsynced writes.
func syncUnsynced(path string) error {
	for _, p := range []string{path, path + "-wal"} {
		if err := syncFile(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("sync %s: %w", p, err)
		}
	}
	if err := os.Remove(path + unsyncedSuffix); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return syncFile(filepath.Dir(path))
}

// settleUnsynced deals with a mark left by a stopped first build before the
// database at path is opened (see unsyncedSuffix), and reports whether the
// database was removed. A mark a live process holds is its own to settle.
func settleUnsynced(path string) (removed bool, err error) {
	f, err := os.Open(path + unsyncedSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path+unsyncedSuffix, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false, nil
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path+unsyncedSuffix, err)
	}
	if id := bootID(); id != "" && string(b) == id {
		return false, syncUnsynced(path)
	}
	if err := Remove(path); err != nil {
		return false, err
	}
	return true, syncFile(filepath.Dir(path))
}

// Remove removes the database at path: the file, its -wal and -shm, and the
// mark of a first build's unsynced writes, those that exist.
func Remove(path string) error {
	for _, suffix := range []string{"", "-wal", "-shm", unsyncedSuffix} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", path+suffix, err)
		}
	}
	return nil
}
