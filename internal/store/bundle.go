package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// BundleFile is one file of a post's bundle as the index serves it.
type BundleFile struct {
	Path, PostID, Name string
	Hash               string // hex sha256 of Data
	Type               string
	Size               int64
	Width, Height      int
	Modified           time.Time // Last-Modified; kept while the bytes are (see release.go)
	Data               []byte    // nil from BundleFileInfo
}

// PutBundleFile inserts or replaces a bundle file's bytes. Its state is
// PutFile's; a file whose bytes did not change keeps its Modified.
func (t *Tx) PutBundleFile(ctx context.Context, f BundleFile) error {
	_, err := t.exec(ctx, `INSERT INTO bundle_files(path, post_id, name, hash, type, size, width, height, modified, data)
		VALUES(?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT(path) DO UPDATE SET post_id=excluded.post_id, name=excluded.name, hash=excluded.hash,
			type=excluded.type, size=excluded.size, width=excluded.width, height=excluded.height, data=excluded.data,
			modified=CASE WHEN bundle_files.hash=excluded.hash THEN bundle_files.modified ELSE excluded.modified END`,
		f.Path, f.PostID, f.Name, f.Hash, f.Type, f.Size, f.Width, f.Height, f.Modified.Unix(), f.Data)
	if err != nil {
		return fmt.Errorf("put bundle file %s: %w", f.Path, err)
	}
	return nil
}

// BundleFileInfo returns what is known of a bundle file without its bytes:
// enough to answer a conditional request. Only the files of a served post
// are found; a draft's are ErrNotFound.
func (s *Store) BundleFileInfo(ctx context.Context, postID, name string) (BundleFile, error) {
	f := BundleFile{PostID: postID, Name: name}
	var mod int64
	err := s.r.QueryRowContext(ctx, `SELECT b.path, b.hash, b.type, b.size, b.width, b.height, b.modified
		FROM bundle_files b JOIN posts p ON p.id = b.post_id WHERE b.post_id=? AND b.name=?`, postID, name).
		Scan(&f.Path, &f.Hash, &f.Type, &f.Size, &f.Width, &f.Height, &mod)
	if errors.Is(err, sql.ErrNoRows) {
		return f, ErrNotFound
	}
	if err != nil {
		return f, fmt.Errorf("bundle file %s/%s: %w", postID, name, err)
	}
	f.Modified = time.Unix(mod, 0).UTC()
	return f, nil
}

// BundleFileData returns the bytes of a bundle file whose hash is still hash;
// ErrNotFound when the file is gone or changed since BundleFileInfo.
func (s *Store) BundleFileData(ctx context.Context, postID, name, hash string) ([]byte, error) {
	var data []byte
	err := s.r.QueryRowContext(ctx, `SELECT b.data FROM bundle_files b JOIN posts p ON p.id = b.post_id
		WHERE b.post_id=? AND b.name=? AND b.hash=?`, postID, name, hash).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("bundle file %s/%s: %w", postID, name, err)
	}
	return data, nil
}
