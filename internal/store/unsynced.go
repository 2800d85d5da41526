package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// A first build writes without waiting for the disk. Its saves (Tx.Save)
// run with synchronous=OFF on the writer and on the WAL folder: SQLite then
// hands its writes to the kernel and never waits for an fsync, which on a
// light 10,000-post build was about a tenth of its time (written to a
// tmpfs, one run each: 37.1 s against 42.5 s on disk; whole processes in
// turn, farm-bench: 0.88 with synchronous=OFF throughout, 0.92 as built
// here). A process that dies, however it
// dies, loses nothing by it: its writes are in the kernel's page cache, and
// the next run resumes the build (TestStoppedFirstBuildResumes). Only a
// stop of the machine itself (a crash, a power cut) can lose writes the
// kernel had not written out yet, and leave a database that is not whole.
//
// So before the first such write, a mark is written beside the database
// (path + unsyncedSuffix), holding the id of the machine's boot; at the end
// of the build the database and WAL files are synced and the mark removed.
// Open finds a mark only where a build was stopped: left in this boot, the
// kernel still has every write, and Open syncs them; left in an earlier
// boot, the database may have lost some, and Open removes it, to be built
// again from the content folder. Where the boot cannot be known (no
// /proc/sys/kernel/random/boot_id), a first build syncs as any run does.
const unsyncedSuffix = "-unsynced"

// bootID returns the id of the machine's boot, or "" where there is none.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// markUnsynced writes the mark of unsynced writes to the database at path,
// durably (the file and its folder synced), and reports whether it did: not
// where the boot cannot be known.
func markUnsynced(path string) (bool, error) {
	id := bootID()
	if id == "" {
		return false, nil
	}
	if err := writeAtomic(filepath.Dir(path), filepath.Base(path)+unsyncedSuffix, []byte(id)); err != nil {
		return false, fmt.Errorf("mark unsynced: %w", err)
	}
	return true, nil
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
// database was removed.
func settleUnsynced(path string) (removed bool, err error) {
	b, err := os.ReadFile(path + unsyncedSuffix)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", path+unsyncedSuffix, err)
	}
	if id := bootID(); id != "" && string(b) == id {
		return false, syncUnsynced(path)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("remove %s: %w", path+suffix, err)
		}
	}
	if err := os.Remove(path + unsyncedSuffix); err != nil {
		return false, fmt.Errorf("remove %s: %w", path+unsyncedSuffix, err)
	}
	return true, syncFile(filepath.Dir(path))
}
