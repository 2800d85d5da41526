package server

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/internal/repr"
)

// cacheControlFor is the Cache-Control of a GET answer whose handler set none:
// the configured public policy, except for admin answers, which no cache may keep.
func (s *Server) cacheControlFor(path string) string {
	if isAdminPath(path) {
		return "no-store"
	}
	return s.cfg.CacheControl
}

// represent gives every GET and HEAD answer its HTTP caching and compression,
// so handlers only build a body:
//
//   - HEAD runs the GET handler; net/http drops the body, so HEAD carries
//     exactly GET's headers, Content-Length included.
//   - A 200 answer gets a strong ETag (the hash of its bytes, unless the handler
//     set one; -gz or -br inside the quotes for a compressed form, each
//     representation having its own, while If-None-Match with any of them
//     matches), a Last-Modified (the handler's, else when this process first
//     served these bytes), the default Cache-Control, and Vary: Accept-Encoding
//     (and Origin, for CORS).
//     If-None-Match, else If-Modified-Since, turn it into a 304 without a body.
//     A no-store answer (metrics, health, admin) gets no validators: nothing
//     may keep it, so nothing revalidates it.
//   - A body of repr.CompressMin bytes or more, of a textual type, is sent as br or
//     gzip as Accept-Encoding prefers; each representation is compressed once.
//
// Answers whose bytes are final when the handler writes them pass through
// untouched: those with Content-Encoding or Content-Length set (stored post
// payloads in the form compressed at index time) and event streams
// (text/event-stream, or any answer the handler flushes).
func (s *Server) represent(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			return next(c)
		}
		if req.Method == http.MethodHead {
			get := *req
			get.Method = http.MethodGet
			c.SetRequest(&get)
			defer c.SetRequest(req)
		}
		res := c.Response()
		orig := res.Writer
		bw := newBufferWriter(orig)
		res.Writer = bw
		finished := false
		defer func() {
			res.Writer = orig
			defer bw.release()
			if !finished && !bw.passing {
				// An error or a panic: nothing has gone out, so forget what
				// the handler wrote and let the error handler answer.
				res.Committed = false
				res.Size = 0
				res.Status = http.StatusOK
			}
		}()
		err := next(c)
		if bw.passing {
			finished = true
			return err
		}
		if err != nil {
			return err
		}
		finished = true
		res.Writer = orig
		s.finish(c, orig, bw)
		return nil
	}
}

// finish writes a buffered answer with its validators, as a 304 when the
// client holds it already, compressed when that pays.
func (s *Server) finish(c echo.Context, w http.ResponseWriter, b *bufferWriter) {
	req := c.Request()
	h := w.Header()
	status := b.status
	if !b.wroteHeader {
		status = http.StatusOK
	}
	body := b.buf.Bytes()
	if status != http.StatusOK {
		if status != http.StatusNotModified && status != http.StatusNoContent {
			h.Set("Content-Length", strconv.Itoa(len(body)))
		}
		send(c, w, status, body)
		return
	}
	s.cachingHeaders(h, req.URL.Path)
	// A no-store answer is never revalidated, so it gets no validators, and
	// its compressed forms are not kept.
	cacheable := !strings.Contains(h.Get("Cache-Control"), "no-store")
	// The representation is chosen first: a 304 carries its tag.
	enc := repr.Identity
	if len(body) >= repr.CompressMin && compressible(h.Get(echo.HeaderContentType)) {
		enc = negotiateEncoding(req.Header.Get("Accept-Encoding"))
	}
	etag := h.Get("ETag") // the identity representation's
	if cacheable {
		if etag == "" {
			etag = repr.ETag(body)
		}
		if s.setValidators(req, h, etag, enc) {
			writeNotModified(w)
			c.Response().Status, c.Response().Size = http.StatusNotModified, 0
			return
		}
	}
	if enc != repr.Identity {
		body = s.encode(req, h, body, etag, enc, cacheable)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	send(c, w, status, body)
}

// send writes the answer's status and body.
func send(c echo.Context, w http.ResponseWriter, status int, body []byte) {
	w.WriteHeader(status)
	_, _ = w.Write(body) // a client that went away is no error of ours
	// What went out, for the logging and metrics middleware around this one.
	c.Response().Status, c.Response().Size = status, int64(len(body))
}

// cachingHeaders gives a 200 answer the default Cache-Control, unless its
// handler set one, and the Vary it needs.
func (s *Server) cachingHeaders(h http.Header, path string) {
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", s.cacheControlFor(path))
	}
	addVary(h, "Accept-Encoding")
	if !isAdminPath(path) {
		// CORS answers by Origin; a handler that set Vary may have dropped it.
		addVary(h, "Origin")
	}
}

// setValidators sets the ETag of the representation enc of the answer whose
// identity form etag names, and its Last-Modified unless the handler set
// one; true when the request's conditions make it a 304.
func (s *Server) setValidators(req *http.Request, h http.Header, etag string, enc repr.Encoding) bool {
	h.Set("ETag", repr.ETagFor(etag, enc))
	var modified time.Time
	if lm := h.Get("Last-Modified"); lm != "" {
		modified, _ = http.ParseTime(lm)
	} else {
		modified = s.defaultModified(etag)
		h.Set("Last-Modified", modified.Format(http.TimeFormat))
	}
	return notModified(req, etag, modified)
}

// encode is body compressed in enc, from the cache of compressed forms when
// it is cacheable; when compressing fails, body as it is, under the identity
// tag.
func (s *Server) encode(req *http.Request, h http.Header, body []byte, etag string, enc repr.Encoding, cacheable bool) []byte {
	var z []byte
	var err error
	if cacheable {
		z, err = s.reprs.compressed(etag, enc, body)
	} else {
		z, err = repr.Compress(enc, body)
	}
	if err != nil {
		s.log.ErrorContext(req.Context(), "compress", "path", req.URL.Path, "encoding", enc, "err", err)
		if cacheable {
			h.Set("ETag", etag)
		}
		return body
	}
	h.Set("Content-Encoding", string(enc))
	return z
}

// writeNotModified answers 304: the validators and caching headers stay, the
// body's headers go.
func writeNotModified(w http.ResponseWriter) {
	h := w.Header()
	for _, k := range []string{echo.HeaderContentType, echo.HeaderContentLength, echo.HeaderContentEncoding} {
		h.Del(k)
	}
	w.WriteHeader(http.StatusNotModified)
}

// compressible reports whether a body of this type shrinks under gzip or br.
func compressible(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "xml") || strings.Contains(ct, "yaml") || strings.Contains(ct, "javascript")
}

// addVary adds names to the Vary header, keeping one line without repeats.
func addVary(h http.Header, names ...string) {
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v == "" || seen[strings.ToLower(v)] {
			return
		}
		seen[strings.ToLower(v)] = true
		out = append(out, v)
	}
	for _, line := range h.Values("Vary") {
		for _, v := range strings.Split(line, ",") {
			add(v)
		}
	}
	for _, n := range names {
		add(n)
	}
	h.Set("Vary", strings.Join(out, ", "))
}

// bufferWriter holds an answer until the handler is done, unless the answer
// turns out to be one that must go out as it is written.
type bufferWriter struct {
	w           http.ResponseWriter
	buf         bytes.Buffer
	status      int
	wroteHeader bool
	passing     bool // writes go straight to w
}

// bufferWriters are reused: every GET and HEAD takes one.
var bufferWriters = sync.Pool{New: func() any { return new(bufferWriter) }}

// maxPooledBuffer bounds the buffer a pooled bufferWriter keeps: a bigger
// answer's buffer goes to the garbage collector rather than stay pinned.
const maxPooledBuffer = 64 << 10

func newBufferWriter(w http.ResponseWriter) *bufferWriter {
	b := bufferWriters.Get().(*bufferWriter)
	b.w = w
	return b
}

func (b *bufferWriter) release() {
	if b.buf.Cap() > maxPooledBuffer {
		b.buf = bytes.Buffer{}
	}
	b.buf.Reset()
	b.w, b.status, b.wroteHeader, b.passing = nil, 0, false, false
	bufferWriters.Put(b)
}

// passThrough makes the answer being written go out as it is written, past
// represent's buffer: for a handler that writes final bytes with their final
// headers (a stored post), so they are not copied into a buffer. It must come
// before the first write.
func passThrough(res *echo.Response) {
	if b, ok := res.Writer.(*bufferWriter); ok && !b.wroteHeader {
		b.passing = true
	}
}

func (b *bufferWriter) Header() http.Header { return b.w.Header() }

func (b *bufferWriter) WriteHeader(code int) {
	if b.wroteHeader {
		return
	}
	b.wroteHeader = true
	b.status = code
	if b.passing {
		b.w.WriteHeader(code)
		return
	}
	h := b.w.Header()
	if h.Get(echo.HeaderContentEncoding) != "" || h.Get(echo.HeaderContentLength) != "" ||
		strings.HasPrefix(h.Get(echo.HeaderContentType), "text/event-stream") {
		b.pass()
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	if !b.wroteHeader {
		b.WriteHeader(http.StatusOK)
	}
	if b.passing {
		return b.w.Write(p)
	}
	return b.buf.Write(p)
}

// Flush makes the answer a stream: what is buffered goes out, and every later
// write goes straight through.
func (b *bufferWriter) Flush() {
	if !b.wroteHeader {
		b.WriteHeader(http.StatusOK)
	}
	if !b.passing {
		b.pass()
	}
	_ = http.NewResponseController(b.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (b *bufferWriter) Unwrap() http.ResponseWriter { return b.w }

func (b *bufferWriter) pass() {
	b.passing = true
	b.w.WriteHeader(b.status)
	if b.buf.Len() > 0 {
		_, _ = b.w.Write(b.buf.Bytes())
		b.buf.Reset()
	}
}

// reprCache remembers, per ETag, when this process first served those bytes
// and their compressed forms, so a body is compressed once however often it
// is asked for. It is bounded in entries and bytes; the oldest go first.
type reprCache struct {
	mu       sync.Mutex
	items    map[string]*reprEntry
	order    []string // ETags, oldest first
	size     int      // bytes of compressed forms held
	maxItems int
	maxBytes int
	now      func() time.Time
}

type reprEntry struct {
	first time.Time
	forms map[repr.Encoding][]byte
}

func newReprCache() *reprCache {
	return &reprCache{items: map[string]*reprEntry{}, maxItems: 8192, maxBytes: 32 << 20, now: time.Now}
}

func (rc *reprCache) entry(etag string) *reprEntry {
	e, ok := rc.items[etag]
	if !ok {
		e = &reprEntry{first: rc.now().UTC().Truncate(time.Second)}
		rc.items[etag] = e
		rc.order = append(rc.order, etag)
		rc.evict()
	}
	return e
}

func (rc *reprCache) evict() {
	for len(rc.order) > 1 && (len(rc.items) > rc.maxItems || rc.size > rc.maxBytes) {
		old := rc.order[0]
		rc.order = rc.order[1:]
		if e := rc.items[old]; e != nil {
			for _, f := range e.forms {
				rc.size -= len(f)
			}
		}
		delete(rc.items, old)
	}
}

// firstSeen is when this process first served the representation etag names:
// its Last-Modified when nothing better is known.
func (rc *reprCache) firstSeen(etag string) time.Time {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.entry(etag).first
}

// compressed returns body in enc, compressing it on first use.
func (rc *reprCache) compressed(etag string, enc repr.Encoding, body []byte) ([]byte, error) {
	rc.mu.Lock()
	if z, ok := rc.entry(etag).forms[enc]; ok {
		rc.mu.Unlock()
		return z, nil
	}
	rc.mu.Unlock()
	z, err := repr.Compress(enc, body)
	if err != nil {
		return nil, err
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	e := rc.entry(etag)
	if e.forms == nil {
		e.forms = map[repr.Encoding][]byte{}
	}
	if _, ok := e.forms[enc]; !ok {
		e.forms[enc] = z
		rc.size += len(z)
		rc.evict()
	}
	return z, nil
}
