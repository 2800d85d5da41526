package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/mattn/go-sqlite3"

	"github.com/geul-dev/geul/internal/repr"
)

// postReaders are the connections Post reads payloads through. A post
// request is one primary-key read, and on it database/sql and the driver's
// cancellation watch cost more than SQLite does: reading the brotli form of a
// random post of the 10,000-post corpus took 47 µs through a *sql.DB with the
// request's context, 36 µs with a context that cannot be cancelled and 28 µs
// through a driver connection with its statement prepared once (a one-off
// comparison on this corpus). So Post keeps driver connections of its own,
// opened with the readers' DSN, one statement per encoding prepared on each.
//
// The read is not cancelled with its request: it takes microseconds, and a
// reader in WAL mode waits on no writer.
type postReaders struct {
	dsn  string
	drv  *sqlite3.SQLiteDriver // nil: the default driver; see OpenReadOnly
	max  int
	free chan *postReader

	mu     sync.Mutex
	open   int // connections opened
	closed bool
}

type postReader struct {
	conn  *sqlite3.SQLiteConn
	stmts map[repr.Encoding]driver.StmtQueryContext
}

func newPostReaders(dsn string, max int) *postReaders {
	return &postReaders{dsn: dsn, max: max, free: make(chan *postReader, max)}
}

// get returns a free connection, opening one while fewer than max are open,
// else waiting for one.
func (p *postReaders) get(ctx context.Context) (*postReader, error) {
	select {
	case r := <-p.free:
		return r, nil
	default:
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("store closed")
	}
	if p.open < p.max {
		r, err := p.dial()
		if err == nil {
			p.open++
		}
		p.mu.Unlock()
		return r, err
	}
	p.mu.Unlock()
	select {
	case r := <-p.free:
		return r, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// put hands r back, or closes it when the store closed while it was in use.
func (p *postReaders) put(r *postReader) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = r.close()
		return
	}
	p.free <- r // never blocks: free holds every connection there is
}

func (p *postReaders) dial() (*postReader, error) {
	d := p.drv
	if d == nil {
		d = &sqlite3.SQLiteDriver{}
	}
	c, err := d.Open(p.dsn)
	if err != nil {
		return nil, err
	}
	conn := c.(*sqlite3.SQLiteConn)
	r := &postReader{conn: conn, stmts: map[repr.Encoding]driver.StmtQueryContext{}}
	for enc, q := range postQueries {
		st, err := conn.Prepare(q)
		if err != nil {
			conn.Close()
			return nil, err
		}
		r.stmts[enc] = st.(driver.StmtQueryContext)
	}
	return r, nil
}

// read reads the payload of post id in lang in encoding enc (a key of
// postQueries).
func (r *postReader) read(id, lang string, enc repr.Encoding) (StoredPost, int64, error) {
	var sp StoredPost
	rows, err := r.stmts[enc].QueryContext(context.Background(), []driver.NamedValue{
		{Ordinal: 1, Value: id}, {Ordinal: 2, Value: lang},
	})
	if err != nil {
		return sp, 0, err
	}
	defer rows.Close()
	dest := make([]driver.Value, 5)
	if err := rows.Next(dest); err != nil {
		if errors.Is(err, io.EOF) {
			return sp, 0, ErrNotFound
		}
		return sp, 0, err
	}
	etag, ok1 := dest[0].(string)
	served, ok2 := dest[1].(string)
	modified, ok3 := dest[2].(int64)
	body, ok4 := dest[3].([]byte) // the driver's own copy
	isEnc, ok5 := dest[4].(int64)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return sp, 0, fmt.Errorf("payload row of unexpected types %T %T %T %T %T", dest[0], dest[1], dest[2], dest[3], dest[4])
	}
	sp.ETag, sp.Lang, sp.Body = etag, served, body
	switch {
	case enc == repr.Identity && isEnc != 0:
		if sp.Body, err = repr.Gunzip(body); err != nil {
			return sp, 0, err
		}
	case enc == repr.Brotli && isEnc == 2:
		// Index runs store no br form (see brotliLevel): it is made on the
		// first request, and the payload cache and spill file keep it.
		id, err := repr.Gunzip(body)
		if err == nil {
			sp.Body, err = repr.Compress(repr.Brotli, id)
		}
		if err != nil {
			return sp, 0, err
		}
		sp.Encoding = enc
	case isEnc != 0:
		sp.Encoding = enc
	}
	return sp, modified, nil
}

// close closes the connections not in use, and those in use as put hands
// them back.
func (p *postReaders) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	for {
		select {
		case r := <-p.free:
			errs = append(errs, r.close())
		default:
			return errors.Join(errs...)
		}
	}
}

func (r *postReader) close() error {
	var errs []error
	for _, st := range r.stmts {
		errs = append(errs, st.(driver.Stmt).Close())
	}
	return errors.Join(append(errs, r.conn.Close())...)
}
