package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io/fs"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/content"
	"github.com/geul-dev/geul/internal/store"
)

// Reindexer runs an index run for POST /admin/reindex. The server knows
// nothing of files; the program gives it one.
type Reindexer interface {
	// Reindex brings the index up to date with the content folder. path, when
	// not empty, is the content file the caller asked for, already checked to be
	// a relative slash path inside the folder.
	Reindex(ctx context.Context, path string) (api.ReindexResult, error)
}

// ErrBadPath is what a Reindexer returns (wrapped) for a path it refuses; the
// request is answered 400.
var ErrBadPath = errors.New("bad content path")

// ErrNoFile is what a Reindexer returns (wrapped) for a path that names no
// file, in the content folder or in the index; the request is answered 404.
var ErrNoFile = errors.New("no such content file")

const (
	// adminFailures failed authentications per adminFailureWindow from one
	// client IP are allowed; more get 429 until the window ends.
	adminFailures      = 5
	adminFailureWindow = time.Minute
	// adminTracked bounds the failure table under a spray of addresses.
	adminTracked = 10000
	// reindexTimeout bounds an admin reindex, which outlives the request timeout.
	reindexTimeout = 5 * time.Minute
)

// tokenParams are query parameters that would put a credential in a URL,
// where access logs, proxies and browser history keep it.
var tokenParams = []string{"token", "access_token", "bearer", "auth", "authorization", "key", "api_key", "apikey", "admin_token"}

// corsHeaders are removed from every admin response whatever CORS middleware
// runs before it: admin is for operators' tools, never for pages of another origin.
var corsHeaders = []string{
	echo.HeaderAccessControlAllowOrigin, echo.HeaderAccessControlAllowCredentials,
	echo.HeaderAccessControlExposeHeaders, echo.HeaderAccessControlAllowMethods,
	echo.HeaderAccessControlAllowHeaders, echo.HeaderAccessControlMaxAge,
}

// adminGuard checks the bearer token and counts failures per client IP.
type adminGuard struct {
	token [sha256.Size]byte // hashed: equal lengths for the constant-time compare

	mu    sync.Mutex
	fails map[string]*failures
}

type failures struct {
	n     int
	start time.Time
}

func newAdminGuard(token string) *adminGuard {
	return &adminGuard{token: sha256.Sum256([]byte(token)), fails: map[string]*failures{}}
}

// match compares in constant time. Hashing first keeps the token's length from
// showing through the timing as well.
func (g *adminGuard) match(token string) bool {
	h := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(h[:], g.token[:]) == 1
}

// blocked returns how long ip must wait when it has used up its failures.
func (g *adminGuard) blocked(ip string, now time.Time) (time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.fails[ip]
	if f == nil {
		return 0, false
	}
	end := f.start.Add(adminFailureWindow)
	if !now.Before(end) {
		delete(g.fails, ip)
		return 0, false
	}
	return end.Sub(now), f.n >= adminFailures
}

func (g *adminGuard) fail(ip string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.fails[ip]
	if f != nil && !now.Before(f.start.Add(adminFailureWindow)) {
		f = nil
	}
	if f == nil {
		if len(g.fails) >= adminTracked {
			g.sweep(now)
		}
		f = &failures{start: now}
		g.fails[ip] = f
	}
	f.n++
}

// sweep forgets ended windows, and any entry at all if that is not enough.
func (g *adminGuard) sweep(now time.Time) {
	for ip, f := range g.fails {
		if !now.Before(f.start.Add(adminFailureWindow)) {
			delete(g.fails, ip)
		}
	}
	for ip := range g.fails {
		if len(g.fails) < adminTracked {
			break
		}
		delete(g.fails, ip)
	}
}

func (g *adminGuard) succeed(ip string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.fails, ip)
}

// clientIP is the client's address: the peer's, or what trusted proxies
// forwarded (see ipExtractor).
func (s *Server) clientIP(c echo.Context) string { return c.RealIP() }

// adminAuth lets a request through only with Authorization: Bearer and the
// configured token. Each failure counts against the client IP; past
// adminFailures in adminFailureWindow the IP gets 429 with Retry-After, even
// with the right token, until the window ends.
func (s *Server) adminAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		for _, k := range corsHeaders {
			h.Del(k)
		}
		ip := s.clientIP(c)
		now := time.Now()
		if wait, ok := s.guard.blocked(ip, now); ok {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			return &Error{Code: ETooMany, Message: "too many failed admin authentications from this address; retry later"}
		}
		fail := func() {
			// A browser's preflight never carries credentials: it is
			// refused like any request without them, but is no guess.
			if c.Request().Method != http.MethodOptions {
				s.guard.fail(ip, now)
			}
		}
		q := c.QueryParams()
		for _, p := range tokenParams {
			if q.Has(p) {
				fail()
				h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="geul admin", error="invalid_request"`)
				return &Error{Code: EUnauthorized, Message: "credentials in the query string are refused: send Authorization: Bearer <token> (and consider the token leaked to logs)"}
			}
		}
		scheme, token, _ := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
		token = strings.TrimSpace(token)
		if !strings.EqualFold(scheme, "Bearer") || token == "" {
			fail()
			h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="geul admin"`)
			return &Error{Code: EUnauthorized, Message: "admin routes need Authorization: Bearer <token>"}
		}
		if !s.guard.match(token) {
			fail()
			h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="geul admin", error="invalid_token"`)
			return &Error{Code: EUnauthorized, Message: "wrong admin token"}
		}
		s.guard.succeed(ip)
		return next(c)
	}
}

// handleAdminStatus reports what the index holds and how its last run went.
//
//	@Summary		Index status
//	@Description	Posts per language, the last index run's time and duration, content errors with file and line, the index generation, the release served, and whether index runs fail (since when, why) or the database file has a problem.
//	@Tags			admin
//	@ID				getAdminStatus
//	@Produce		json
//	@Security		BearerAuth
//	@Success		200	{object}	api.Status
//	@Failure		401	{object}	api.Problem
//	@Failure		429	{object}	api.Problem
//	@Router			/admin/status [get]
func (s *Server) handleAdminStatus(c echo.Context) error {
	st, err := s.store.Status(c.Request().Context())
	if err != nil {
		return err
	}
	out := api.Status{
		Ready:      s.ready.Load(),
		Generation: st.Generation,
		DurationMS: st.Duration.Milliseconds(),
		Posts:      st.Posts,
		Errors:     contentErrors(st.Errors),
		Release:    s.apiRelease(),
		Runs:       s.runHealth(),
	}
	if !st.IndexedAt.IsZero() {
		t := st.IndexedAt
		out.IndexedAt = &t
	}
	return c.JSON(http.StatusOK, out)
}

// handleAdminReindex runs an index run now and reports it.
//
//	@Summary		Reindex the content folder
//	@Description	Brings the index up to date now and reports the run. With the path of a post file (relative, slash-separated, inside the content folder), the run looks at that file only, with what it changes in other posts; with any other path, or none, it runs over the whole folder, where unchanged files are skipped by size, time and hash. The run finishes and commits even if the client goes away.
//	@Tags			admin
//	@ID				reindexContent
//	@Produce		json
//	@Security		BearerAuth
//	@Param			path	query		string	false	"a content file, e.g. cs/my-post.ko.md"
//	@Success		200		{object}	api.ReindexResult
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		404		{object}	api.Problem	"path names a file that is neither in the content folder nor in the index"
//	@Failure		429		{object}	api.Problem
//	@Failure		503		{object}	api.Problem	"this server cannot reindex, or the index database cannot be written"
//	@Failure		507		{object}	api.Problem	"no space left for the index database: nothing of the run was kept"
//	@Router			/admin/reindex [post]
func (s *Server) handleAdminReindex(c echo.Context) error {
	path := c.QueryParam("path")
	if c.QueryParams().Has("path") && !ValidContentPath(path) {
		return invalidf("bad path %q: want a relative slash path inside the content folder, without . or .. elements", path)
	}
	if s.cfg.Reindexer == nil {
		return &Error{Code: EUnavailable, Message: "this server cannot reindex"}
	}
	// A run is the index's unit of consistency: once started it finishes,
	// whether or not the client waits, and the request timeout does not apply.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), reindexTimeout)
	defer cancel()
	_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(reindexTimeout + 10*time.Second))
	res, err := s.cfg.Reindexer.Reindex(ctx, path)
	if errors.Is(err, ErrBadPath) {
		return invalidf("%v", err)
	}
	if errors.Is(err, ErrNoFile) {
		return notFoundf("%v", err)
	}
	if err != nil {
		return runProblem(err)
	}
	if res.Errors == nil {
		res.Errors = []api.ContentError{}
	}
	return c.JSON(http.StatusOK, res)
}

// ValidContentPath reports whether p names a file inside the content folder: a
// relative slash path without empty, . or .. elements or backslashes.
func ValidContentPath(p string) bool {
	return p != "" && p != "." && fs.ValidPath(p) && !strings.ContainsAny(p, "\\\x00")
}

func contentErrors(errs []store.ContentError) []api.ContentError {
	out := make([]api.ContentError, len(errs))
	for i, e := range errs {
		out[i] = (&content.Error{Path: e.Path, Line: e.Line, Reason: e.Reason, Warning: e.Warning}).API()
	}
	return out
}
