package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/geul-dev/geul/api"
	"github.com/geul-dev/geul/internal/store"
)

// resyncDetail tells a client whose generation is lost how to start over.
func resyncDetail(gen int64) string {
	return fmt.Sprintf("resync: fetch the posts again from /posts, then ask /changes?since=%d", gen)
}

// handleChanges lists the posts created, updated and deleted after a
// generation, so a client keeping a local copy fetches only those.
//
//	@Summary		Changes since a generation
//	@Description	The net changes (per post and language) after generation since, and the current generation to ask with next time. since=0 lists everything while the index still keeps its first generations. A generation older than what is kept answers 410: resync from /posts. The index keeps the changes of its last 1000 generations.
//	@Tags			changes
//	@ID				listChanges
//	@Produce		json
//	@Param			since	query		int	true	"the generation the client holds (0: none)"	minimum(0)
//	@Success		200		{object}	api.Changes
//	@Failure		400		{object}	api.Problem	"since missing, malformed, or ahead of the index"
//	@Failure		410		{object}	api.Problem	"since is older than what is kept: resync"
//	@Router			/changes [get]
func (s *Server) handleChanges(c echo.Context) error {
	q := c.QueryParam("since")
	if q == "" {
		return invalidf("since is required: the generation you hold, 0 for none")
	}
	since, err := strconv.ParseInt(q, 10, 64)
	if err != nil || since < 0 {
		return invalidf("malformed since %q: want a generation, a whole number from 0", q)
	}
	cs, err := s.store.Changes(c.Request().Context(), since)
	switch {
	case errors.Is(err, store.ErrGenerationGone):
		return &Error{Code: EGone, Message: fmt.Sprintf("generation %d is older than the oldest kept (%d); %s", since, cs.Oldest, resyncDetail(cs.Generation))}
	case errors.Is(err, store.ErrGenerationAhead):
		return invalidf("generation %d is ahead of the index (%d); if the index was rebuilt, %s", since, cs.Generation, resyncDetail(cs.Generation))
	case err != nil:
		return err
	}
	// The answer depends only on since and the generation: revalidation by
	// ETag is cheap and mostly answers 304.
	etag := fmt.Sprintf(`"changes-%d-%d"`, since, cs.Generation)
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	if c.Request().Header.Get("If-None-Match") != "" && notModified(c.Request(), etag, time.Time{}) {
		return c.NoContent(http.StatusNotModified)
	}
	body, err := api.Encode(changesBody(since, cs.Generation, cs.Changes))
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSONCharsetUTF8, body)
}
